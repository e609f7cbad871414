import { afterEach, describe, expect, it } from 'vitest';
import {
  APPROVER,
  APPROVER_GROUP,
  createSlackHarness,
  GROUP_MEMBER,
  OPS,
  OWNER,
  type SlackHarness,
  STRANGER,
} from '../support/slack-harness.js';

type Block = { type: string; block_id?: string; elements?: Array<Record<string, unknown>> };

const crmValue = async (s: SlackHarness, deal: string, field: string) =>
  (
    (
      await s.h.database.sql`select properties -> ${field} as v from crm_deals where id = ${deal}`
    )[0] as { v: unknown }
  ).v;
const rows = async (s: SlackHarness, action: string) =>
  (await s.h.log()).filter((r) => r.action === action);

/** Posts the run's cards and suggestions as `serve` does after a run. */
async function posted(s: SlackHarness) {
  const runId = String(
    (await s.h.database.sql`select id from runs order by started_at desc limit 1`)[0]?.id,
  );
  await s.app.notifier.postProposals(runId);
  await s.app.notifier.postSuggestions?.(runId);
  return runId;
}

/** The suggestions message of a deal, as the stand-in holds it now. */
async function messageOf(s: SlackHarness, deal: string) {
  const [o] = await s.h.database
    .sql`select slack_channel, slack_ts from suggestion_offers where record_id = ${deal} limit 1`;
  const m = s.slack.messages.get(`${o?.slack_channel}/${o?.slack_ts}`);
  if (!m) throw new Error(`no suggestions message for ${deal}`);
  return m;
}

function buttons(blocks: unknown[] | undefined) {
  return ((blocks ?? []) as Block[])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? [])
    .map((e) => ({
      action: String(e.action_id),
      text: String((e.text as { text: string }).text),
      value: String(e.value),
    }));
}

/** A signed click on a button of a deal's suggestions message. */
async function press(s: SlackHarness, deal: string, text: string, user: string) {
  const m = await messageOf(s, deal);
  const b = buttons(m.blocks).find((x) => x.text === text);
  if (!b) throw new Error(`no button ${text} on ${deal}: ${JSON.stringify(buttons(m.blocks))}`);
  return s.interact({
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0SCOUT',
    token: 'legacy',
    team: { id: 'T0TEST', domain: 'example' },
    trigger_id: `1337.${Date.now()}.2`,
    container: { type: 'message', message_ts: m.ts, channel_id: m.channel, is_ephemeral: false },
    channel: { id: m.channel, name: 'directmessage' },
    message: { ts: m.ts, text: 'suggestions' },
    response_url: 'https://hooks.slack.com/actions/T0TEST/1/abc',
    actions: [
      {
        type: 'button',
        action_id: b.action,
        block_id: 'x',
        value: b.value,
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  });
}

describe('promotion in Slack (G23) through the real Bolt app', () => {
  let s: SlackHarness;
  afterEach(async () => {
    await s.close();
  });

  it("posts one message per deal in the deal's thread with Use, Not useful and Use all", async () => {
    s = await createSlackHarness();
    await posted(s);
    const m = await messageOf(s, 'd1');
    // The same parent as the deal's approval cards.
    const [card] = await s.h.database
      .sql`select slack_ts from proposals where record_id = 'd1' and field = 'closedate'`;
    const cardMessage = [...s.slack.messages.values()].find((x) => x.ts === card?.slack_ts);
    expect(m.thread_ts).toBe(cardMessage?.thread_ts);
    const suggestionMessages = [...s.slack.messages.values()].filter((x) =>
      String(x.text).includes('suggestion'),
    );
    expect(suggestionMessages.filter((x) => x.thread_ts === m.thread_ts)).toHaveLength(1);
    expect(buttons(m.blocks).map((b) => b.text)).toEqual([
      'Use as Economic buyer',
      'Not useful',
      'Use as Identified pain',
      'Not useful',
      'Use all',
    ]);
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('Dana Whitfield (CFO)');
    expect(text).toContain('budget sign-off sits with Dana Whitfield, the CFO');
    expect(text).toMatch(/from an? [\w ]+ of 2026-\d\d-\d\d · confidence high · 0\.92 ▰▰▰▰▰/);
    expect(s.slack.violations).toEqual([]);
  });

  it("a group member's Use is answered before Slack tells who is in the group, and done after", async () => {
    s = await createSlackHarness();
    await posted(s);
    s.slack.userGroups.set(APPROVER_GROUP, [GROUP_MEMBER]);
    let release!: () => void;
    s.slack.holds.set('usergroups.users.list', new Promise<void>((r) => (release = r)));
    // Were the group read before the ack, this answer would wait for the release below.
    const answer = await press(s, 'd1', 'Use as Economic buyer', GROUP_MEMBER);
    expect(answer.status).toBe(200);
    expect(await crmValue(s, 'd1', 'economic_buyer')).toBeNull();
    release();
    await s.app.idle();
    expect(await crmValue(s, 'd1', 'economic_buyer')).toBe('Dana Whitfield (CFO)');
    expect((await rows(s, 'promoted'))[0]).toMatchObject({ actor: `slack:${GROUP_MEMBER}` });
  });

  it('Use by the owner writes the empty rep field once under 20 concurrent clicks, logs promoted, and can be undone', async () => {
    s = await createSlackHarness();
    await posted(s);
    const clicks = await Promise.all(
      Array.from({ length: 20 }, () => press(s, 'd1', 'Use as Economic buyer', OWNER)),
    );
    expect(clicks.every((c) => c.status === 200)).toBe(true);
    await s.app.idle();
    expect(await crmValue(s, 'd1', 'economic_buyer')).toBe('Dana Whitfield (CFO)');
    const promoted = await rows(s, 'promoted');
    expect(promoted).toHaveLength(1);
    expect(promoted[0]).toMatchObject({
      record_id: 'd1',
      field: 'economic_buyer',
      actor: `slack:${OWNER}`,
      dry_run: false,
      previous_value: null,
      new_value: 'Dana Whitfield (CFO)',
      quote: 'budget sign-off sits with Dana Whitfield, the CFO',
    });
    const m = await messageOf(s, 'd1');
    expect(JSON.stringify(m.blocks)).toContain('written to Economic buyer');
    expect(buttons(m.blocks).map((b) => b.text)).toEqual(['Use as Identified pain', 'Not useful']);

    const undo = JSON.parse(
      await s.h.ok(['undo', '--change', String(promoted[0]?.id), '--apply', '--json'], s.env),
    );
    expect(undo.counts.undone).toBe(1);
    expect(await crmValue(s, 'd1', 'economic_buyer')).toBeNull();
  });

  it('a stranger is refused and logged; an approver may use it; Use all takes the rest', async () => {
    s = await createSlackHarness();
    await posted(s);
    await press(s, 'd1', 'Use as Economic buyer', STRANGER);
    await s.app.idle();
    expect(await crmValue(s, 'd1', 'economic_buyer')).toBeNull();
    expect((await rows(s, 'denied')).filter((r) => r.actor === `slack:${STRANGER}`)).toHaveLength(
      1,
    );
    expect(s.slack.ephemerals.some((e) => e.user === STRANGER)).toBe(true);

    await press(s, 'd1', 'Use all', APPROVER);
    await s.app.idle();
    expect(await crmValue(s, 'd1', 'economic_buyer')).toBe('Dana Whitfield (CFO)');
    expect(await crmValue(s, 'd1', 'identified_pain')).toBe(
      'About 30 hours a month lost reconciling contracts by hand',
    );
    expect((await rows(s, 'promoted')).map((r) => r.actor)).toEqual([
      `slack:${APPROVER}`,
      `slack:${APPROVER}`,
    ]);
  });

  it('a rep field filled meanwhile is left alone and the message says what it holds', async () => {
    s = await createSlackHarness();
    await posted(s);
    await s.h.database
      .sql`update crm_deals set properties = properties || '{"economic_buyer": "Priya (COO)"}' where id = 'd1'`;
    await press(s, 'd1', 'Use as Economic buyer', OWNER);
    await s.app.idle();
    expect(await crmValue(s, 'd1', 'economic_buyer')).toBe('Priya (COO)');
    expect(await rows(s, 'promoted')).toHaveLength(0);
    expect(JSON.stringify((await messageOf(s, 'd1')).blocks)).toContain(
      'is no longer empty — it holds \\"Priya (COO)\\" now; nothing was written',
    );
  });

  it('a pause closes the gate: would_promote, nothing written', async () => {
    s = await createSlackHarness();
    await posted(s);
    await s.command('/scout', 'pause', OPS);
    await press(s, 'd1', 'Use as Economic buyer', OWNER);
    await s.app.idle();
    expect(await crmValue(s, 'd1', 'economic_buyer')).toBeNull();
    const would = await rows(s, 'would_promote');
    expect(would).toHaveLength(1);
    expect(would[0]).toMatchObject({ dry_run: true, actor: `slack:${OWNER}` });
    expect(would[0]?.reason).toContain('paused');
    expect(JSON.stringify((await messageOf(s, 'd1')).blocks)).toContain(
      'DRY RUN, nothing was written',
    );
  });

  it('suggestions of a dry run sent to the owners are marked DRY RUN and Use records would_promote', async () => {
    s = await createSlackHarness({ runArgs: [], dryRunCards: 'owners' });
    await posted(s);
    const m = await messageOf(s, 'd1');
    expect(JSON.stringify(m.blocks)).toContain('DRY RUN');
    await press(s, 'd1', 'Use as Economic buyer', OWNER);
    await s.app.idle();
    expect(await crmValue(s, 'd1', 'economic_buyer')).toBeNull();
    expect((await rows(s, 'would_promote'))[0]?.reason).toContain('came from a dry run');
  });

  it('suggestions of a dry run are a preview in the ops channel by default, with no buttons', async () => {
    s = await createSlackHarness({ runArgs: [] });
    await posted(s);
    const m = await messageOf(s, 'd1');
    expect(m.channel).toBe('C0OPS');
    expect(JSON.stringify(m.blocks)).toContain('DRY RUN preview');
    expect(JSON.stringify(m.blocks)).not.toContain('scout_promote');
  });

  it('Not useful dismisses it (logged rejected, "dismissed") and later runs do not suggest it again', async () => {
    s = await createSlackHarness();
    await posted(s);
    await press(s, 'd2', 'Not useful', APPROVER);
    await s.app.idle();
    const rejected = await rows(s, 'rejected');
    expect(rejected).toHaveLength(1);
    expect(rejected[0]).toMatchObject({ record_id: 'd2', reason: 'dismissed' });
    const field = String(rejected[0]?.field);
    const run = await s.h.runJson(['--apply', '--rescan', '--deal', 'd2'], s.env);
    const again = (await s.h.log(['--run', String(run.run_id)])).filter((r) =>
      String(r.field).endsWith(field),
    );
    expect(again.map((r) => r.action)).toEqual(['skipped']);
    expect(again[0]?.reason).toContain(`slack:${APPROVER} rejected this value`);
    expect(JSON.stringify((await messageOf(s, 'd2')).blocks)).toContain('Dismissed');
  });
});
