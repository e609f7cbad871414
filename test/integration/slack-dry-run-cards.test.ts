import { afterEach, describe, expect, it } from 'vitest';
import { createProposalStore } from '../../src/db/proposal-store.js';
import { createSlackHarness, OPS, OWNER, type SlackHarness } from '../support/slack-harness.js';
import type { PostedMessage } from '../support/slack-stand-in.js';

/**
 * Issue 18, docs/guarantees.md#g12: a dry run is a rehearsal for ops, not a chore for reps;
 * a live card replaces the dry one, which loses its buttons; a rep's answer on a dry-run
 * card is carried to the live proposal for the same change and never asked again.
 */
const runIds = async (s: SlackHarness) =>
  (await s.h.database.sql`select id from runs where kind = 'extract' order by started_at`).map(
    (r) => r.id as string,
  );
const blocksOf = (m: PostedMessage | undefined) => JSON.stringify(m?.blocks ?? []);
const cardOf = (s: SlackHarness, p: Record<string, unknown>) =>
  s.slack.messages.get(`${p.slack_channel}/${p.slack_ts}`);
const hasButtons = (m: PostedMessage | undefined) =>
  ((m?.blocks ?? []) as Array<{ type: string }>).some((b) => b.type === 'actions');

async function liveRun(s: SlackHarness): Promise<string> {
  await s.h.ok(['run', '--apply'], { ...s.env, LIVE_WRITES: '1' });
  const ids = await runIds(s);
  const id = ids[ids.length - 1] as string;
  await s.app.notifier.postProposals(id);
  await s.app.idle();
  return id;
}

describe('dry-run cards', () => {
  let s: SlackHarness | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('by default go to the ops channel as previews with no buttons; reps get no DM', async () => {
    s = await createSlackHarness({ runArgs: [] });
    const [dryRun] = await runIds(s);
    const posted = await s.app.notifier.postProposals(dryRun as string);
    expect(posted.posted).toBeGreaterThanOrEqual(2);
    const messages = [...s.slack.messages.values()];
    expect(new Set(messages.map((m) => m.channel))).toEqual(new Set(['C0OPS']));
    expect(s.slack.calls.filter((c) => c.method === 'conversations.open')).toEqual([]);
    for (const card of messages.filter((m) => m.thread_ts)) {
      expect(hasButtons(card)).toBe(false);
      expect(blocksOf(card)).toContain('DRY RUN preview');
      expect(blocksOf(card)).toContain('Ana Ruiz gets this card');
    }
    const parents = messages.filter((m) => !m.thread_ts);
    expect(parents.map((m) => m.text).join('\n')).toMatch(/would ask Ana Ruiz about/);
    expect(await createProposalStore(s.h.database.db).countPending()).toEqual({
      live: 0,
      dry: posted.posted,
    });
    expect(s.slack.violations).toEqual([]);
  });

  it('are superseded by the live cards: they lose their buttons, link to the live card, and stop counting', async () => {
    s = await createSlackHarness({ runArgs: [], dryRunCards: 'owners' });
    const [dryRun] = await runIds(s);
    await s.app.notifier.postProposals(dryRun as string);
    const dry = (await s.proposals()).filter((p) => p.dry_run);
    expect(dry.every((p) => hasButtons(cardOf(s as SlackHarness, p)))).toBe(true);

    await liveRun(s);
    const all = await s.proposals();
    for (const old of dry) {
      const now = all.find((p) => p.id === old.id) ?? {};
      const live = all.find((p) => p.id === now.superseded_by);
      expect(now.status).toBe('superseded');
      expect(live).toMatchObject({ dry_run: false, record_id: old.record_id, field: old.field });
      const card = cardOf(s, old);
      expect(hasButtons(card)).toBe(false);
      expect(blocksOf(card)).toContain('Superseded — see <https://example.slack.com/archives/');
      expect(blocksOf(card)).toContain(String(live?.slack_ts).replace('.', ''));
    }
    const counts = await createProposalStore(s.h.database.db).countPending();
    expect(counts).toEqual({
      live: all.filter((p) => p.status === 'pending' && !p.dry_run).length,
      dry: 0,
    });
    const superseded = await s.h.log(['--action', 'superseded']);
    expect(superseded).toHaveLength(dry.length);
    expect(superseded.every((r) => r.actor === 'agent' && r.dry_run === true)).toBe(true);
    // People read this reason in a field's history: the live run's short id, no proposal id.
    for (const r of superseded) {
      const live = all.find((p) => p.id === all.find((o) => o.id === r.proposal_id)?.superseded_by);
      expect(r.reason).toBe(
        `superseded by the live proposal of run ${String(live?.run_id).slice(0, 8)}`,
      );
    }
    // A click on the old card changes nothing: it is no longer pending.
    const old = dry[0] as Record<string, unknown>;
    await s.click('scout_approve', old.id as string, OWNER);
    await s.app.idle();
    expect((await s.proposal(old.id as string)).status).toBe('superseded');
  });

  it("carry a rep's approval to the live proposal, which is written without asking again", async () => {
    s = await createSlackHarness({ runArgs: [], dryRunCards: 'owners' });
    const [dryRun] = await runIds(s);
    await s.app.notifier.postProposals(dryRun as string);
    const dry = await s.proposals();
    const closeDate = dry.find((p) => p.field === 'closedate') as Record<string, unknown>;
    await s.click('scout_approve', closeDate.id as string, OWNER);
    await s.app.idle();
    expect((await s.proposal(closeDate.id as string)).status).toBe('would_apply');

    await liveRun(s);
    const live = (await s.proposals()).find(
      (p) => !p.dry_run && p.field === 'closedate' && p.record_id === closeDate.record_id,
    ) as Record<string, unknown>;
    expect(live).toMatchObject({
      status: 'applied',
      decided_by: OWNER,
      carried_from: closeDate.id,
    });
    const crm = await s.h.database
      .sql`select properties ->> 'closedate' as v from crm_deals where id = ${closeDate.record_id as string}`;
    expect(crm[0]?.v).toBe(closeDate.new_value);
    const rows = (await s.h.log(['--deal', closeDate.record_id as string])).filter(
      (r) => r.proposal_id === live.id,
    );
    expect(rows.map((r) => [r.action, r.actor])).toEqual([
      ['proposed', 'agent'],
      ['approved', `slack:${OWNER}`],
      ['applied', `slack:${OWNER}`],
    ]);
    expect(String(rows[1]?.reason)).toContain(
      `carried from the decision on dry-run card ${closeDate.id}`,
    );
    // The owner sees the outcome, with nothing to decide.
    const card = cardOf(s, live);
    expect(hasButtons(card) && blocksOf(card).includes('scout_approve')).toBe(false);
    expect(blocksOf(card)).toContain('on the dry-run card (not asked again)');
    expect(blocksOf(card)).toContain('written to the CRM');
    const asked = [...s.slack.messages.values()].filter(
      (m) =>
        m.thread_ts && blocksOf(m).includes('scout_approve') && blocksOf(m).includes('Close date'),
    );
    expect(asked).toHaveLength(0);
  });

  it('a live run superseding cards while people click them: each card ends once, the run completes', async () => {
    s = await createSlackHarness({ runArgs: [], dryRunCards: 'owners' });
    const [dryRun] = await runIds(s);
    await s.app.notifier.postProposals(dryRun as string);
    const dry = await s.proposals();
    const harness = s;
    // The run's page takes the dry cards' row locks, then the log's; a click takes them in
    // the same order, so the two wait for each other instead of deadlocking.
    const [run] = await Promise.all([
      s.h.cli(['run', '--apply'], { ...s.env, LIVE_WRITES: '1' }),
      ...dry.flatMap((p) =>
        Array.from({ length: 5 }, () => harness.click('scout_approve', p.id as string, OWNER)),
      ),
    ]);
    expect(run.code).toBe(0);
    await s.app.idle();
    const rows = await s.h.database
      .sql`select proposal_id, action from provenance where proposal_id in ${s.h.database.sql(dry.map((p) => p.id as string))} and action in ('approved', 'superseded')`;
    for (const p of dry)
      expect(rows.filter((r) => r.proposal_id === p.id).map((r) => r.action)).toHaveLength(1);
    expect(await s.h.ok(['log', '--verify'])).toBeDefined();
  });

  it("keep a rep's rejection: the live run does not ask again", async () => {
    s = await createSlackHarness({ runArgs: [], dryRunCards: 'owners' });
    const [dryRun] = await runIds(s);
    await s.app.notifier.postProposals(dryRun as string);
    const closeDate = (await s.proposals()).find((p) => p.field === 'closedate') as Record<
      string,
      unknown
    >;
    await s.click('scout_reject', closeDate.id as string, OWNER);
    await s.app.idle();

    await liveRun(s);
    const again = (await s.proposals()).filter(
      (p) => !p.dry_run && p.field === 'closedate' && p.record_id === closeDate.record_id,
    );
    expect(again).toEqual([]);
    expect(await s.command('/scout', 'status', OPS)).toMatchObject({ status: 200 });
  });
});
