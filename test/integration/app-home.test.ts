import { afterEach, describe, expect, it } from 'vitest';
import {
  APPROVER,
  createSlackHarness,
  OWNER,
  SIGNING_SECRET,
  type SlackHarness,
  STRANGER,
} from '../support/slack-harness.js';
import { slackHeaders } from '../support/slack-signing.js';

/** Slack's app_home_opened event, signed as Slack signs an Events API request (JSON). */
async function openHome(s: SlackHarness, user: string) {
  const body = JSON.stringify({
    token: 'legacy',
    team_id: 'T0TEST',
    api_app_id: 'A0SCOUT',
    type: 'event_callback',
    event_id: `Ev${Date.now()}${Math.random().toString(16).slice(2, 8)}`.toUpperCase(),
    event_time: Math.floor(Date.now() / 1000),
    event: { type: 'app_home_opened', user, channel: 'D0HOME', tab: 'home' },
  });
  const r = await s.post(body, {
    ...slackHeaders(body, SIGNING_SECRET),
    'content-type': 'application/json',
  });
  expect(r.status).toBe(200);
  await s.app.idle();
}

/** The last Home view published for a user. */
function homeOf(s: SlackHarness, user: string) {
  const call = s.slack.calls
    .filter((c) => c.method === 'views.publish' && c.args.user_id === user)
    .at(-1);
  if (!call) return null;
  return JSON.parse(String(call.args.view)) as {
    type: string;
    blocks: Array<Record<string, unknown>>;
  };
}

const actionIds = (view: { blocks: Array<Record<string, unknown>> } | null) =>
  (view?.blocks ?? [])
    .filter((b) => b.type === 'actions')
    .flatMap((b) => (b.elements as Array<{ action_id: string }>).map((e) => e.action_id));

describe('the App Home tab: what waits for me', () => {
  let s: SlackHarness;
  afterEach(async () => {
    await s.close();
  });

  it("a rep sees their pending proposals and open suggestions with the thread's buttons; a decision refreshes it", async () => {
    s = await createSlackHarness();
    const runId = String((await s.h.database.sql`select id from runs limit 1`)[0]?.id);
    await s.app.notifier.postProposals(runId);
    await s.app.notifier.postSuggestions?.(runId);
    await openHome(s, OWNER);
    const home = homeOf(s, OWNER);
    expect(home?.type).toBe('home');
    const text = JSON.stringify(home);
    expect(text).toContain('Waiting for you: 2 proposals, 2 suggestions');
    expect(text).toContain('Acme — 2027 renewal');
    expect(actionIds(home)).toEqual(
      expect.arrayContaining([
        'scout_approve',
        'scout_edit',
        'scout_reject',
        'scout_promote',
        'scout_dismiss',
        'scout_promote_all',
      ]),
    );
    expect(text).not.toContain('Team: pending by rep');
    // People's words: notes by their kind, confidence in words, no raw note type.
    expect(text).toMatch(/from an? [a-z ]+ of 2026-\d\d-\d\d · confidence (high|medium|low) · /);
    expect(text).not.toMatch(/email_reply|from a email|confidence 0\./);
    const ids = (home?.blocks ?? []).map((b) => b.block_id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(s.slack.violations).toEqual([]);

    const [card] = await s.h.database.sql`select id from proposals where field = 'closedate'`;
    const before = s.slack.calls.filter((c) => c.method === 'views.publish').length;
    await s.click('scout_approve', String(card?.id), OWNER);
    await s.app.idle();
    expect(s.slack.calls.filter((c) => c.method === 'views.publish').length).toBeGreaterThan(
      before,
    );
    expect(JSON.stringify(homeOf(s, OWNER))).toContain(
      'Waiting for you: 1 proposal, 2 suggestions',
    );
  });

  it('an approver also sees the team view and the last runs with their mode; a stranger sees nothing waiting', async () => {
    s = await createSlackHarness();
    const runId = String((await s.h.database.sql`select id from runs limit 1`)[0]?.id);
    await s.app.notifier.postProposals(runId);
    await openHome(s, APPROVER);
    const lead = JSON.stringify(homeOf(s, APPROVER));
    expect(lead).toContain('Team: pending by rep, oldest first');
    expect(lead).toContain(`<@${OWNER}>: 2 pending`);
    expect(lead).toMatch(/\*LIVE\* · completed · scanned 5/);

    await openHome(s, STRANGER);
    const stranger = homeOf(s, STRANGER);
    expect(JSON.stringify(stranger)).toContain('Nothing waits for you');
    expect(JSON.stringify(stranger)).not.toContain('Team');
    expect(actionIds(stranger)).toEqual([]);
    expect(s.slack.violations).toEqual([]);
  });
});
