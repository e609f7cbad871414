import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createProposalStore } from '../../src/db/proposal-store.js';
import { createRunLedger } from '../../src/db/run-ledger.js';
import { createUndoStore } from '../../src/db/undo-store.js';
import type { ProposalRow } from '../../src/domain/proposal.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import { runApplyJob } from '../../src/services/apply-job.js';
import { type ApplyDeps, applyProposal } from '../../src/services/apply-proposal.js';
import type { DealLock } from '../../src/services/ports/deal-lock.js';
import { recordDecision } from '../../src/services/record-decision.js';
import { undoChanges } from '../../src/services/undo-run.js';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from '../support/scout-env.js';

const LIVE = { LIVE_WRITES: '1' };
const APPROVER = 'U01ANA';

/**
 * An approval (or an edit) whose apply job has not run yet: the proposal is approved
 * and its apply promised in the outbox, exactly as the Approve button leaves it.
 */
async function approve(h: ScoutHarness, row: ProposalRow, editedValue?: string) {
  const store = createProposalStore(h.database.db);
  const decided = await recordDecision(
    store,
    {
      id: row.id,
      version: row.version,
      status: editedValue === undefined ? 'approved' : 'edited',
      by: APPROVER,
      at: new Date(),
      ...(editedValue === undefined ? {} : { editedValue }),
    },
    {
      runId: row.runId,
      object: row.object,
      recordId: row.recordId,
      field: row.field,
      action: editedValue === undefined ? 'approved' : 'edited',
      reason: 'decided in the test',
      newValue: editedValue ?? row.newValue,
      actor: `slack:${APPROVER}`,
      dryRun: row.dryRun,
      proposalId: row.id,
    },
  );
  expect(decided?.status).toBe(editedValue === undefined ? 'approved' : 'edited');
  return decided as ProposalRow;
}

const applyDeps = (h: ScoutHarness, over: Partial<ApplyDeps> = {}) => ({
  crm: createLocalCrm(h.database.db),
  proposals: createProposalStore(h.database.db),
  policy: loadPolicyFile(AUTO_NEXT_STEP_POLICY),
  liveWrites: '1',
  isPaused: async () => false,
  withDealLock: h.database.dealLock,
  notifier: null,
  ...over,
});

const undoDeps = (h: ScoutHarness, withDealLock: DealLock = h.database.dealLock) => ({
  crm: createLocalCrm(h.database.db),
  ledger: createRunLedger(h.database.db),
  store: createUndoStore(h.database.db),
  liveWrites: '1',
  clock: () => new Date(),
  newId: () => randomUUID(),
  logger: pino({ level: 'silent' }),
  withDealLock,
});

const crmValue = async (h: ScoutHarness, deal: string, field: string) =>
  (
    (
      await h.database.sql`select properties -> ${field} as v from crm_deals where id = ${deal}`
    )[0] as {
      v: unknown;
    }
  ).v;

const proposalsOf = async (h: ScoutHarness) =>
  (await h.database.sql`select * from proposals order by record_id, field`).map((r) => ({
    id: r.id as string,
    runId: r.run_id as string,
    recordId: r.record_id as string,
    field: r.field as string,
    status: r.status as string,
    outcome: r.outcome as string | null,
  }));

describe('undoing a run whose approvals are not yet applied', () => {
  let h: ScoutHarness;
  afterEach(async () => {
    await h.database.destroy();
  });

  it('a live undo expires them, warns about each, and their apply jobs then write nothing', async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    const run = await h.runJson(['--apply'], LIVE);
    const store = createProposalStore(h.database.db);
    const [first, second] = (await proposalsOf(h)).map((p) => p.id);
    const approved = await approve(h, (await store.get(first as string)) as ProposalRow);
    const edited = await approve(h, (await store.get(second as string)) as ProposalRow, 'edited');
    const before = await h.dump();

    // A dry undo leaves them be, and says they could still be written.
    const dry = JSON.parse(await h.ok(['undo', '--json', '--run', run.run_id as string]));
    expect(dry.undo).toMatchObject({ unapplied_approvals: 2, expired_proposals: 0 });
    expect(
      dry.warnings.filter((w: string) => w.includes('would be expired by a live undo')),
    ).toHaveLength(2);
    expect((await proposalsOf(h)).map((p) => p.status)).toEqual(['approved', 'edited']);

    const text = await h.ok(['undo', '--run', run.run_id as string, '--apply'], LIVE);
    expect(text).toContain('2 approved proposals of the undone run not yet written expired');
    for (const p of [approved, edited])
      expect(text).toContain(
        `proposal ${p.id} (deal ${p.recordId}, ${p.field}), approved by ${APPROVER} but not yet written, was expired`,
      );
    const undoRunId = /^run (\S+)$/m.exec(text)?.[1];
    expect((await proposalsOf(h)).map((p) => [p.status, p.outcome])).toEqual([
      ['expired', `not written: its run ${run.run_id} was undone by undo run ${undoRunId}`],
      ['expired', `not written: its run ${run.run_id} was undone by undo run ${undoRunId}`],
    ]);
    const logged = await h.database
      .sql`select proposal_id, reason, new_value from provenance where action = 'expired' order by proposal_id`;
    expect(logged.map((r) => ({ ...r }))).toEqual(
      [approved, edited]
        .map((p) => ({
          proposal_id: p.id,
          reason: `expired: approved by ${APPROVER} but not yet written when its run ${run.run_id} was undone by undo run ${undoRunId}; it will not be written`,
          new_value: p.editedValue ?? p.newValue,
        }))
        .sort((a, b) => a.proposal_id.localeCompare(b.proposal_id)),
    );

    // The apply jobs still in the queue run now: each finds its proposal expired.
    const afterUndo = await h.dump();
    for (const p of [approved, edited]) await runApplyJob(applyDeps(h), p.id);
    expect(await h.dump()).toEqual(afterUndo);
    expect((await proposalsOf(h)).map((p) => p.status)).toEqual(['expired', 'expired']);
    const writes = await h.database
      .sql`select count(*)::int as n from provenance where action in ('applied', 'would_apply', 'stale', 'failed')`;
    expect(writes[0]?.n).toBe(0);
    // What the run wrote itself was undone as usual.
    expect(afterUndo).not.toEqual(before);
  });

  it('an apply that holds the deal when the undo comes is finished first, then undone with the rest', async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    const run = await h.runJson(['--apply'], LIVE);
    const store = createProposalStore(h.database.db);
    const closedate = (await proposalsOf(h)).find((p) => p.field === 'closedate');
    const row = await approve(h, (await store.get(closedate?.id as string)) as ProposalRow);
    const before = await crmValue(h, row.recordId, 'closedate');
    // The apply job wins the deal's lock just before the undo asks for it.
    let raced = false;
    const lock: DealLock = async (dealId, fn) => {
      if (!raced && dealId === row.recordId) {
        raced = true;
        await runApplyJob(applyDeps(h), row.id);
        expect(await crmValue(h, row.recordId, 'closedate')).toBe(row.newValue);
      }
      return h.database.dealLock(dealId, fn);
    };
    const { summary } = await undoChanges(undoDeps(h, lock), {
      target: { run_id: run.run_id as string },
      apply: true,
      actor: 'cli',
    });
    expect(raced).toBe(true);
    expect(summary.undo.unapplied_approvals).toBe(0);
    expect((await store.get(row.id))?.status).toBe('applied');
    expect(await crmValue(h, row.recordId, 'closedate')).toBe(before);
    const [undone] = await h.database.sql`select u.action from provenance u
      join provenance a on a.id = u.undoes where a.proposal_id = ${row.id} and a.action = 'applied'`;
    expect(undone?.action).toBe('undone');
  });

  it('a change applied after its Undo window closed is drawn without the button', async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    await h.runJson(['--apply'], LIVE);
    const store = createProposalStore(h.database.db);
    const ids = (await proposalsOf(h)).map((p) => p.id);
    const now = new Date();
    const apply = async (id: string, decidedHoursAgo: number) => {
      const row = await approve(h, (await store.get(id)) as ProposalRow);
      await h.database
        .sql`update proposals set decided_at = ${new Date(now.getTime() - decidedHoursAgo * 3_600_000).toISOString()} where id = ${row.id}`;
      return applyProposal(applyDeps(h, { undoWindow: () => ({ hours: 2, now }) }), row.id);
    };
    const late = await apply(ids[0] as string, 3);
    const inTime = await apply(ids[1] as string, 1);
    expect([late?.row.status, inTime?.row.status]).toEqual(['applied', 'applied']);
    expect(late?.card.undoable).toBe(false);
    expect(inTime?.card.undoable).toBe(true);
  });
});
