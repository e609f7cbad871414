import { afterEach, describe, expect, it } from 'vitest';
import {
  APPROVER,
  createSlackHarness,
  OPS,
  OWNER,
  type SlackHarness,
  STRANGER,
} from '../support/slack-harness.js';

const crmValue = async (s: SlackHarness, deal: string, field: string) =>
  (
    (
      await s.h.database.sql`select properties -> ${field} as v from crm_deals where id = ${deal}`
    )[0] as { v: unknown }
  ).v;

const rows = async (s: SlackHarness, action: string) =>
  (
    await s.h.database
      .sql`select actor, reason, run_id, dry_run from provenance where action = ${action} order by id`
  ).map((r) => ({ ...r }));

/** The close-date card, approved by its owner and applied live. */
async function approvedCard(options: { liveWrites?: string; undoWindowHours?: number } = {}) {
  const s = await createSlackHarness(options);
  const runId = (await s.h.database.sql`select run_id from proposals limit 1`)[0]?.run_id as string;
  await s.app.notifier.postProposals(runId);
  const card = (await s.proposals()).find((p) => p.field === 'closedate') ?? {};
  await s.click('scout_approve', card.id as string, OWNER);
  await s.app.idle();
  expect(await s.proposal(card.id as string)).toMatchObject({ status: 'applied' });
  const blocks = () =>
    JSON.stringify(s.slack.messages.get(`${card.slack_channel}/${card.slack_ts}`)?.blocks);
  return { s, id: card.id as string, blocks };
}

describe('the Undo button on applied cards', () => {
  let s: SlackHarness;
  afterEach(async () => {
    await s.close();
  });

  it('an applied card offers Undo; the approver undoes it: the old value is back, logged as its own run, announced', async () => {
    const c = await approvedCard();
    s = c.s;
    expect(c.blocks()).toContain('scout_undo');
    expect(await crmValue(s, 'd1', 'closedate')).toBe('2027-01-31');
    const opsBefore = [...s.slack.messages.values()].filter((m) => m.channel === 'C0OPS').length;

    const r = await s.click('scout_undo', c.id, OWNER);
    expect(r.status).toBe(200);
    await s.app.idle();

    expect(await crmValue(s, 'd1', 'closedate')).toBeNull();
    const [undone] = await rows(s, 'undone');
    expect(undone).toMatchObject({ actor: `slack:${OWNER}`, dry_run: false });
    const run = (
      await s.h.database.sql`select kind, mode from runs where id = ${undone?.run_id}`
    )[0];
    expect(run).toMatchObject({ kind: 'undo', mode: 'live' });
    expect(c.blocks()).not.toContain('scout_undo');
    expect(c.blocks()).toContain(`Undo by <@${OWNER}>`);
    expect(c.blocks()).toContain('the value from before the approval is back');
    const ops = [...s.slack.messages.values()].filter((m) => m.channel === 'C0OPS');
    expect(ops.length).toBe(opsBefore + 1);
    expect(JSON.stringify(ops.at(-1)?.blocks)).toContain('undo of change #');
    expect(s.slack.ephemerals.at(-1)).toMatchObject({
      user: OWNER,
      text: expect.stringContaining('undone'),
    });
    expect(s.slack.violations).toEqual([]);

    // A second click (a retry, a double click) changes nothing.
    await s.click('scout_undo', c.id, OWNER);
    await s.app.idle();
    expect(await rows(s, 'undone')).toHaveLength(1);
    expect(s.slack.ephemerals.at(-1)?.text).toContain('already undone');
  });

  it('an ops admin may undo too; a stranger (even a configured approver who did not approve it) is refused and logged', async () => {
    const c = await approvedCard();
    s = c.s;
    for (const user of [STRANGER, APPROVER]) {
      await s.click('scout_undo', c.id, user);
      await s.app.idle();
      expect(s.slack.ephemerals.at(-1)).toMatchObject({
        user,
        text: expect.stringContaining(
          'Only the person who approved this change or a Scout ops admin',
        ),
      });
    }
    expect(await crmValue(s, 'd1', 'closedate')).toBe('2027-01-31');
    const denied = (await rows(s, 'denied')).filter((d) => d.actor !== 'agent');
    expect(denied.map((d) => d.actor)).toEqual([`slack:${STRANGER}`, `slack:${APPROVER}`]);
    expect(denied[0]?.reason).toContain('tried to undo');
    expect(await rows(s, 'undone')).toEqual([]);

    await s.click('scout_undo', c.id, OPS);
    await s.app.idle();
    expect(await crmValue(s, 'd1', 'closedate')).toBeNull();
    expect((await rows(s, 'undone')).map((r) => r.actor)).toEqual([`slack:${OPS}`]);
  });

  it('after the window the button is refused, points to the CLI, and leaves the card', async () => {
    const c = await approvedCard({ undoWindowHours: 2 });
    s = c.s;
    await s.h.database
      .sql`update proposals set decided_at = now() - interval '3 hours' where id = ${c.id}`;
    await s.click('scout_undo', c.id, OWNER);
    await s.app.idle();
    expect(s.slack.ephemerals.at(-1)?.text).toMatch(
      /The undo window \(2 h after the approval\) has passed\. Ops can still run `scout undo --change \d+`/,
    );
    expect(await crmValue(s, 'd1', 'closedate')).toBe('2027-01-31');
    expect(await rows(s, 'undone')).toEqual([]);
    expect(c.blocks()).not.toContain('scout_undo');
  });

  it('an undo pressed while Scout is paused is a DRY RUN that keeps the button; pressed again after resume, it undoes', async () => {
    const c = await approvedCard();
    s = c.s;
    await s.h.database
      .sql`insert into control (key, value, updated_by) values ('paused', 'true'::jsonb, 'test')`;
    await s.click('scout_undo', c.id, OWNER);
    await s.app.idle();
    expect(await crmValue(s, 'd1', 'closedate')).toBe('2027-01-31');
    expect(await rows(s, 'undone')).toEqual([]);
    expect(await rows(s, 'would_undo')).toHaveLength(1);
    expect(c.blocks()).toContain('DRY RUN, nothing was restored');
    expect(c.blocks()).toContain('Scout is paused');
    expect(c.blocks()).toContain('scout_undo');
    expect(s.slack.ephemerals.at(-1)?.text).toContain('DRY RUN');

    await s.h.database.sql`delete from control where key = 'paused'`;
    await s.click('scout_undo', c.id, OWNER);
    await s.app.idle();
    expect(await crmValue(s, 'd1', 'closedate')).toBeNull();
    expect(await rows(s, 'undone')).toHaveLength(1);
    expect(c.blocks()).toContain('the value from before the approval is back');
    expect(c.blocks()).not.toContain('DRY RUN, nothing was restored');
    expect(c.blocks()).not.toContain('scout_undo');
    expect(s.slack.violations).toEqual([]);
  });

  it('a restore that fails keeps the button and says what failed', async () => {
    const c = await approvedCard();
    s = c.s;
    await s.h.database.sql`delete from crm_notes where deal_id = 'd1'`;
    await s.h.database.sql`delete from crm_deals where id = 'd1'`;
    await s.click('scout_undo', c.id, OWNER);
    await s.app.idle();
    expect(await rows(s, 'failed')).toHaveLength(1);
    expect(c.blocks()).toContain('the undo failed, nothing was restored');
    expect(c.blocks()).toContain('deal d1 no longer exists in the CRM');
    expect(c.blocks()).toContain('scout_undo');
  });

  it('a rep who changed the field since is not overwritten: the card says the field was left alone', async () => {
    const c = await approvedCard();
    s = c.s;
    await s.h.database
      .sql`update crm_deals set properties = properties || '{"closedate": "2027-02-28"}' where id = 'd1'`;
    await s.click('scout_undo', c.id, OWNER);
    await s.app.idle();
    expect(await crmValue(s, 'd1', 'closedate')).toBe('2027-02-28');
    expect(await rows(s, 'conflict')).toHaveLength(1);
    expect(c.blocks()).toContain('left alone');
  });
});
