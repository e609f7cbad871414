import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort } from '../support/redis-server.js';
import { createHarness, type ScoutHarness } from '../support/scout-env.js';
import { startScoutProcess } from '../support/scout-process.js';
import { SIGNING_SECRET, testPolicyPath } from '../support/slack-harness.js';
import { commandBody, slackHeaders } from '../support/slack-signing.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';

describe('runs post to Slack; `scout serve` carries the app', () => {
  let h: ScoutHarness;
  let slack: SlackStandIn;
  let env: Record<string, string>;
  beforeEach(async () => {
    h = await createHarness();
    slack = await startSlackStandIn();
    env = {
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.url,
      SCOUT_OPS_CHANNEL: 'C0OPS',
      SCOUT_POLICY: testPolicyPath(),
    };
  });
  afterEach(async () => {
    await slack.close();
    await h.database.destroy();
  });

  it('a live run posts its cards to the owners and a summary whose header is the mode', async () => {
    const r = await h.cli(['run', '--apply'], { ...env, LIVE_WRITES: '1' });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(
      'slack: 2 approval cards posted; 3 suggestion messages for empty rep fields; summary posted to C0OPS',
    );
    const summary = [...slack.messages.values()].find((m) => m.channel === 'C0OPS');
    const header = (summary?.blocks ?? [])[0] as { type: string; text: { text: string } };
    expect(header.type).toBe('header');
    // The mode first (docs/guarantees.md#g14), then what happened.
    expect(header.text.text).toBe('LIVE — 5 fields written on 3 deals · 2 cards to 1 person');
    const inThreads = [...slack.messages.values()].filter((m) => m.thread_ts);
    expect(inThreads.filter((m) => String(m.text).includes('Scout proposes'))).toHaveLength(2);
    // The rest are the deals' suggestions for promotion (docs/guarantees.md#g23), one message per deal.
    expect(inThreads.filter((m) => String(m.text).includes('suggestion'))).toHaveLength(3);
    expect(slack.violations).toEqual([]);
  });

  it('a run asked to be live that ran dry says so at the top of its Slack summary', async () => {
    await h.cli(['run', '--apply'], env);
    // The dry run's previews are in the ops channel too (dry_run_cards: ops); the summary is the one with a header.
    const summary = [...slack.messages.values()].find(
      (m) => m.channel === 'C0OPS' && (m.blocks as Array<{ type: string }>)[0]?.type === 'header',
    );
    const blocks = summary?.blocks as Array<{ text: { text: string } }>;
    expect(blocks[0]?.text.text).toBe(
      'DRY RUN — nothing was written · would write 5 fields on 3 deals · 2 cards previewed',
    );
    expect(blocks[1]?.text.text).toContain(
      // mrkdwn-escaped (docs/guarantees.md#g22): the underscore is wrapped in zero-width spaces.
      'requested as LIVE but ran DRY because LIVE\u200b_\u200bWRITES is not 1',
    );
  });

  it('finds an owner by email, backs off on 429, and reports deals it cannot route', async () => {
    await h.database.sql`update crm_users set slack_user_id = null`;
    slack.usersByEmail.set('ana@example.com', 'U01ANA');
    slack.faults.set('chat.postMessage', [{ status: 429, retryAfter: 1 }]);
    const r = await h.cli(['run', '--apply'], { ...env, LIVE_WRITES: '1' });
    expect(r.stderr).toContain('slack: 2 approval cards posted');
    expect(slack.calls.filter((c) => c.method === 'users.lookupByEmail').length).toBeGreaterThan(0);
    expect(
      [...slack.messages.values()].filter((m) => m.thread_ts).every((m) => m.channel === 'D01ANA'),
    ).toBe(true);
  });

  it('a Slack error while posting is reported, and the committed run stands', async () => {
    await h.database.sql`update crm_users set slack_user_id = null`;
    slack.faults.set('chat.postMessage', [{ error: 'channel_not_found' }]);
    const r = await h.cli(['run', '--apply'], {
      ...env,
      LIVE_WRITES: '1',
      SCOUT_APPROVALS_CHANNEL: 'C0GONE',
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('slack: posting failed');
    expect(r.stderr).toContain('channel_not_found');
    expect((await h.database.sql`select status from runs`)[0]?.status).toBe('completed');
  });

  it('`scout serve` answers signed commands and health, and exits cleanly on SIGTERM', async () => {
    const port = await freePort();
    const serve = await startScoutProcess('serve', {
      DATABASE_URL: h.database.url,
      PORT: String(port),
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      LOG_LEVEL: 'silent',
      ...env,
    });
    try {
      expect(serve.output()).toContain(`scout serving on port ${port}`);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      const body = commandBody({
        team_id: 'T0TEST',
        channel_id: 'C0OPS',
        user_id: 'U01OPS',
        command: '/scout',
        text: 'status',
        response_url: 'https://hooks.slack.com/x',
        trigger_id: '1.2.3',
      });
      const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: slackHeaders(body, SIGNING_SECRET),
        body,
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('pending proposals');
      const bad = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: slackHeaders(body, 'wrong'),
        body,
      });
      expect(bad.status).toBe(401);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 120_000);
});
