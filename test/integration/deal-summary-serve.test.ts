import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/client.js';
import { openReadOnlyDatabase } from '../../src/db/read-only-database.js';
import { freePort } from '../support/redis-server.js';
import { createHarness, type ScoutHarness } from '../support/scout-env.js';
import { startScoutProcess } from '../support/scout-process.js';
import { SIGNING_SECRET, testPolicyPath } from '../support/slack-harness.js';
import { commandBody, slackHeaders } from '../support/slack-signing.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';

describe('`scout serve` wires /deal-summary on a read-only Postgres session', () => {
  let h: ScoutHarness;
  let slack: SlackStandIn;
  beforeEach(async () => {
    h = await createHarness();
    slack = await startSlackStandIn();
  });
  afterEach(async () => {
    await slack.close();
    await h.database.destroy();
  });

  it('the summary pool refuses writes even through a cast', async () => {
    const ro = openReadOnlyDatabase(h.database.url);
    try {
      const refused = await (ro.db as unknown as Db)
        .execute(sql`insert into control (key, value, updated_by) values ('k', 'true', 'x')`)
        .then(
          () => null,
          (e: Error) => e,
        );
      // drizzle wraps the driver's error; Postgres's own words are in the cause.
      expect((refused?.cause as Error | undefined)?.message).toMatch(
        /cannot execute INSERT in a read-only transaction/,
      );
      const rows = await ro.db.select({ n: sql<number>`count(*)::int` }).from(sql`crm_deals`);
      expect(rows[0]?.n).toBe(5);
    } finally {
      await ro.close();
    }
  });

  it('a signed /deal-summary is acked empty and answered on response_url; SIGTERM exits cleanly', async () => {
    const policy = testPolicyPath();
    await h.ok(['run', '--apply'], { SCOUT_POLICY: policy, LIVE_WRITES: '1' });
    const port = await freePort();
    const serve = await startScoutProcess('serve', {
      DATABASE_URL: h.database.url,
      PORT: String(port),
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.url,
      SCOUT_POLICY: policy,
      LOG_LEVEL: 'silent',
    });
    try {
      expect(serve.output()).toContain(`scout serving on port ${port}`);
      const body = commandBody({
        team_id: 'T0TEST',
        channel_id: 'C0SALES',
        user_id: 'U0MANAGER',
        command: '/deal-summary',
        text: 'acme',
        response_url: slack.responseUrl('serve1'),
        trigger_id: '1.2.3',
      });
      const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: slackHeaders(body, SIGNING_SECRET),
        body,
      });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('');
      for (let i = 0; i < 100 && slack.responses.length === 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      const answer = slack.responses[0]?.body as {
        blocks: Array<{ type: string; text?: { text: string } }>;
      };
      expect(answer.blocks[0]).toEqual({
        type: 'header',
        block_id: 'deal',
        text: { type: 'plain_text', text: 'Acme — 2027 renewal' },
      });
      expect(slack.violations).toEqual([]);
    } finally {
      expect(await serve.stop()).toBe(0);
    }
  }, 120_000);
});
