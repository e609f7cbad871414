import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createProposalStore } from '../../src/db/proposal-store.js';
import { createRunLedger } from '../../src/db/run-ledger.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import { runApplyJob } from '../../src/services/apply-job.js';
import { type Decision, decideProposal } from '../../src/services/decide-proposal.js';
import { createHarness, type Dump, type ScoutHarness } from '../support/scout-env.js';

const POLICY = fileURLToPath(new URL('../fixtures/undo-mixed.policy.yml', import.meta.url));
const LIVE = { LIVE_WRITES: '1', SCOUT_POLICY: POLICY };
const APPROVER = 'U01ANA';
const DEALS = 7;

/*
 * What the main run does to each deal mN (N = 0…6), by the policy in the fixture:
 *   next_step     auto text     written (over '' on m0, m3, m6; a weaker second finding on m0 is superseded)
 *   seats         auto number   written on even N; on odd N the rep's 40+N differs, so a card, approved and applied
 *   kickoff_date  auto date     written, except on m6 (confidence 0.7: a card, approved and applied)
 *   economic_buyer, headcount, go_live_date   suggest   written into scout_*; over an earlier run's suggestion on m0–m2
 *   budget        approve number   applied on m0–m4 (m1 edited by the approver), rejected on m5, pending on m6
 *   closedate     approve date     applied on m0–m4 (over the rep's date on even N), rejected on m5,
 *                                  approved on m6 but its apply not run before the undo
 *   dealstage     never            denied
 */
const WRITTEN = DEALS + 4 + (DEALS - 1) + 3 * DEALS; // 38
const APPLIED = 3 + 1 + 5 + 5; // 14
const CHANGES = WRITTEN + APPLIED; // 52

/** The three fields a rep changes in the CRM after the run, and what they change them to. */
const REP_EDITS = [
  ['m0', 'next_step', 'Rep: lunch with the CFO on Tuesday'], // auto-written text
  ['m1', 'seats', 60], // applied number
  ['m2', 'kickoff_date', '2027-02-01'], // auto-written date
] as const;

type UndoJson = {
  run_id: string;
  mode: string;
  counts: Record<string, number>;
  warnings: string[];
  undo: {
    changes: number;
    already_undone: number;
    expired_proposals: number;
    unapplied_approvals: number;
  };
};

describe('scout undo of a genuinely mixed run (G15)', () => {
  let h: ScoutHarness;
  afterEach(async () => {
    await h.database.destroy();
  });

  it('reverts 52 written and applied text, number and date changes, except the 3 a rep changed since', async () => {
    const files = mixedPipeline();
    h = await createHarness({ seed: files.seed, replay: files.replay, setupFields: false });
    await h.ok(['setup-fields', '--apply'], LIVE);
    // An earlier run's suggestions: what the main run overwrites and the undo must put back.
    const earlier = await h.runJson(['--apply'], { ...LIVE, SCOUT_REPLAY_FILE: files.earlier });
    expect(earlier.counts.written).toBe(9);
    const before = await h.dump();

    const run = await h.runJson(['--apply', '--rescan'], LIVE);
    const runId = run.run_id as string;
    expect(run.mode).toBe('live');
    expect(run.counts).toMatchObject({ written: WRITTEN, proposed: 18, denied: DEALS });
    await decideAndApply(h, runId);

    const changes = await h.database.sql`select record_id, field, action from provenance
      where run_id = ${runId} and action in ('written', 'applied') and not dry_run`;
    expect(changes.filter((c) => c.action === 'written')).toHaveLength(WRITTEN);
    expect(changes.filter((c) => c.action === 'applied')).toHaveLength(APPLIED);
    // Scout wrote no field twice within the run: one finding per field survives a deal's pass,
    // and a card's apply would find a field Scout wrote already stale.
    expect(new Set(changes.map((c) => `${c.record_id}/${c.field}`)).size).toBe(CHANGES);
    const written = await h.dump();
    expect(written).not.toEqual(before);

    for (const [deal, field, value] of REP_EDITS)
      await h.database.sql`update crm_deals set properties = properties || ${JSON.stringify({
        [field]: value,
      })}::jsonb where id = ${deal}`;

    const undo = await undoRun(h, runId);
    expect(undo.mode).toBe('live');
    expect(undo.counts).toMatchObject({
      undone: CHANGES - REP_EDITS.length,
      conflict: REP_EDITS.length,
      would_undo: 0,
      failed: 0,
    });
    expect(undo.undo).toMatchObject({
      changes: CHANGES,
      already_undone: 0,
      expired_proposals: 1,
      unapplied_approvals: 1,
    });
    const conflicts = await h.database.sql`select record_id, field, previous_value, undoes::int
      from provenance where run_id = ${undo.run_id} and action = 'conflict' order by record_id`;
    expect(conflicts.map((c) => [c.record_id, c.field, c.previous_value])).toEqual(REP_EDITS);
    const conflicted = await h.database.sql`select action from provenance
      where id in ${h.database.sql(conflicts.map((c) => c.undoes as number))} order by record_id`;
    expect(conflicted.map((c) => c.action)).toEqual(['written', 'applied', 'written']);

    const expected = withEdits(before);
    const after = await h.dump();
    expect(normalise(after)).toEqual(normalise(expected));
    // Spelled out for the types: numbers come back as the same numbers, dates as the same days.
    const at = (dump: Dump, deal: string, field: string) =>
      dump.deals.find((d) => d.id === deal)?.properties[field] ?? null;
    expect(at(after, 'm0', 'scout_headcount')).toBe(12.5);
    expect(at(after, 'm3', 'seats')).toBe(43);
    expect(at(after, 'm0', 'seats')).toBeNull();
    expect(at(after, 'm1', 'budget')).toBeNull();
    expect(at(after, 'm0', 'closedate')).toBe('2027-02-15');
    expect(at(after, 'm1', 'closedate')).toBeNull();
    expect(at(after, 'm1', 'scout_go_live_date')).toBe('2027-03-02');
    expect(at(after, 'm3', 'next_step')).toBe('');
    expect(at(after, 'm1', 'seats')).toBe(60);

    // The approval stopped by the undo never reaches the CRM, nor does the pending card.
    const open = await h.database.sql`select record_id, field, status from proposals
      where run_id = ${runId} and record_id = 'm6' and field in ('budget', 'closedate') order by field`;
    expect(open.map((p) => [p.field, p.status])).toEqual([
      ['budget', 'expired'],
      ['closedate', 'expired'],
    ]);

    // Undoing again restores nothing more: the rep's three values still win.
    const again = await undoRun(h, runId);
    expect(again.counts).toMatchObject({
      undone: 0,
      conflict: REP_EDITS.length,
      would_undo: 0,
      failed: 0,
    });
    expect(again.undo).toMatchObject({
      changes: CHANGES,
      already_undone: CHANGES - REP_EDITS.length,
      expired_proposals: 0,
    });
    expect(await h.dump()).toEqual(after);

    expect(await h.ok(['log', '--verify'], LIVE)).toMatch(/^audit chain OK: \d+ rows verified/);
  });
});

const undoRun = async (h: ScoutHarness, runId: string) =>
  JSON.parse(await h.ok(['undo', '--json', '--run', runId, '--apply'], LIVE)) as UndoJson;

/**
 * Each card of the run as a person decides it in Slack (the decision service), then its apply
 * job as the worker runs it (under the deal's lock, compare-then-write).
 */
async function decideAndApply(h: ScoutHarness, runId: string): Promise<void> {
  const { db } = h.database;
  const crm = createLocalCrm(db);
  const proposals = createProposalStore(db);
  const policy = loadPolicyFile(POLICY);
  const ledger = createRunLedger(db);
  const cards = await h.database
    .sql`select id, record_id, field, version from proposals where run_id = ${runId}`;
  expect(cards).toHaveLength(18);
  for (const card of cards) {
    const decision = decisionFor(card.record_id as string, card.field as string);
    if (decision === null) continue;
    const decided = await decideProposal(
      { crm, proposals, policy, clock: () => new Date() },
      { proposalId: card.id, version: card.version, userId: APPROVER, decision },
    );
    expect(decided.kind).toBe('decided');
    // The one approval whose apply job has not run when the undo comes.
    if (card.record_id === 'm6' && card.field === 'closedate') continue;
    await runApplyJob(
      {
        crm,
        proposals,
        policy,
        liveWrites: '1',
        isPaused: () => ledger.isPaused(),
        withDealLock: h.database.dealLock,
        notifier: null,
      },
      card.id,
    );
  }
  const statuses = await h.database
    .sql`select status, count(*)::int as n from proposals where run_id = ${runId} group by status order by status`;
  expect(statuses.map((s) => [s.status, s.n])).toEqual([
    ['applied', APPLIED],
    ['approved', 1],
    ['pending', 1],
    ['rejected', 2],
  ]);
}

function decisionFor(deal: string, field: string): Decision | null {
  if (deal === 'm6' && field === 'budget') return null;
  if (deal === 'm5' && (field === 'budget' || field === 'closedate')) return { kind: 'reject' };
  if (deal === 'm1' && field === 'budget') return { kind: 'edit', value: '75000' };
  return { kind: 'approve' };
}

function withEdits(dump: Dump): Dump {
  const deals = dump.deals.map((d) => ({ ...d, properties: { ...d.properties } }));
  for (const [deal, field, value] of REP_EDITS) {
    const target = deals.find((d) => d.id === deal);
    if (target) target.properties[field] = value;
  }
  return { ...dump, deals };
}

/** Missing and null are the same stored state; compare deals on their non-null properties. */
function normalise(dump: Dump) {
  return dump.deals.map((d) => ({
    ...d,
    properties: Object.fromEntries(Object.entries(d.properties).filter(([, v]) => v !== null)),
  }));
}

interface Finding {
  field: string;
  value: string | number;
  note_id: string;
  quote: string;
  confidence: number;
}

/**
 * Seven deals, two notes each, with the findings of the table above (the main replay) and
 * of an earlier run that only suggests (the earlier replay), written to files for the CLI.
 */
function mixedPipeline(): { seed: string; replay: string; earlier: string } {
  const deals = Array.from({ length: DEALS }, (_, i) => i);
  const finding = (
    i: number,
    note: 1 | 2,
    field: string,
    value: string | number,
    confidence: number,
  ): Finding => ({
    field,
    value,
    note_id: `m${i}n${note}`,
    quote: `On deal ${i} the ${field.replace(/_/g, ' ')} is ${value}.`,
    confidence,
  });
  const main = (i: number): Finding[] => [
    finding(i, 2, 'next_step', `Send the pricing sheet for deal ${i}`, 0.95),
    ...(i === 0 ? [finding(i, 1, 'next_step', 'Book a demo', 0.92)] : []),
    finding(i, 1, 'seats', (i % 2 === 0 ? 20 : 55) + i, 0.95),
    finding(i, 1, 'kickoff_date', `2027-01-1${i}`, i === 6 ? 0.7 : 0.95),
    finding(i, 1, 'economic_buyer', `Buyer ${i} (CFO)`, 0.8),
    finding(i, 2, 'headcount', 200 + i, 0.8),
    finding(i, 2, 'go_live_date', `2027-04-${10 + i}`, 0.8),
    finding(i, 2, 'budget', 50_000 + 1000 * i, 0.8),
    finding(i, 2, 'closedate', `2027-05-${10 + i}`, 0.8),
    finding(i, 2, 'dealstage', 'closed_won', 0.99),
  ];
  const early = (i: number): Finding[] =>
    i < 3
      ? [
          finding(i, 1, 'economic_buyer', `Earlier buyer ${i}`, 0.8),
          finding(i, 1, 'headcount', i === 0 ? 12.5 : 100 + i, 0.8),
          finding(i, 1, 'go_live_date', `2027-03-0${i + 1}`, 0.8),
        ]
      : [];
  const body = (i: number, note: 1 | 2) =>
    [...main(i), ...early(i)]
      .filter((f) => f.note_id === `m${i}n${note}`)
      .map((f) => f.quote)
      .join(' ');
  const seed = {
    users: [{ id: 'u1', name: 'Ana Ruiz', email: 'ana@example.com', slack_user_id: APPROVER }],
    properties: [
      { name: 'next_step', label: 'Next step', type: 'text' },
      { name: 'seats', label: 'Seats', type: 'number' },
      { name: 'kickoff_date', label: 'Kickoff date', type: 'date' },
      { name: 'economic_buyer', label: 'Economic buyer', type: 'text' },
      { name: 'headcount', label: 'Headcount', type: 'number' },
      { name: 'go_live_date', label: 'Go-live date', type: 'date' },
      { name: 'budget', label: 'Budget', type: 'number' },
    ],
    deals: deals.map((i) => ({
      id: `m${i}`,
      name: `Mixed deal ${i}`,
      owner_id: 'u1',
      properties: {
        dealstage: 'discovery',
        amount: 1000 * (i + 1),
        ...(i % 3 === 0 ? { next_step: '' } : {}),
        ...(i % 2 === 1 ? { seats: 40 + i } : {}),
        ...(i % 2 === 0 ? { closedate: '2027-02-15' } : {}),
      },
      notes: ([1, 2] as const).map((n) => ({
        id: `m${i}n${n}`,
        type: n === 1 ? 'meeting' : 'email_reply',
        created_at: `2026-11-${10 + n}T15:00:00Z`,
        body: body(i, n),
      })),
    })),
  };
  const dir = mkdtempSync(join(tmpdir(), 'scout-undo-mixed-'));
  const write = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(content));
    return path;
  };
  return {
    seed: write('seed.json', seed),
    replay: write('replay.json', Object.fromEntries(deals.map((i) => [`m${i}`, main(i)]))),
    earlier: write('earlier.json', Object.fromEntries(deals.map((i) => [`m${i}`, early(i)]))),
  };
}
