import { randomUUID } from 'node:crypto';
import { LogLevel } from '@slack/web-api';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { LimitedWebClient } from '../../src/slack/limited-client.js';
import { startSlackStandIn } from '../support/slack-stand-in.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The composition root, as every database-backed command opens it. */
describe('openApp', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('gives the CRM the deal link of SCOUT_DEAL_URL when it is composed, and the CRM still works', async () => {
    const app = await openApp(
      loadConfig({
        DATABASE_URL: db.url,
        SCOUT_DEAL_URL: 'https://crm.example/deals/{id}',
        SCOUT_CURRENCY: 'EUR',
      }),
      pino({ level: 'silent' }),
    );
    try {
      expect(app.crm.dealUrl?.('d 1/x')).toBe('https://crm.example/deals/d%201%2Fx');
      expect(app.crm.currency).toBe('EUR');
      expect(await app.crm.countDeals()).toBe(0);
    } finally {
      await app.close();
    }
  });

  it('leaves deal names unlinked without SCOUT_DEAL_URL', async () => {
    const app = await openApp(loadConfig({ DATABASE_URL: db.url }), pino({ level: 'silent' }));
    try {
      expect(app.crm.dealUrl?.('d1') ?? null).toBeNull();
      expect(app.crm.currency).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it('with REDIS_URL gives every process the same Slack limits, keyed without the bot token', async () => {
    const slack = await startSlackStandIn();
    const prefix = `t-${randomUUID()}`;
    const warnings: string[] = [];
    let heard429!: () => void;
    const paused = new Promise<void>((resolve) => {
      heard429 = resolve;
    });
    const logger = pino(
      { level: 'warn' },
      {
        write(line: string) {
          warnings.push(JSON.parse(line).msg);
          heard429();
        },
      },
    );
    const config = loadConfig({
      DATABASE_URL: db.url,
      REDIS_URL,
      SCOUT_QUEUE_PREFIX: prefix,
      SLACK_BOT_TOKEN: slack.token,
    });
    const [one, two] = [await openApp(config, logger), await openApp(config, logger)];
    const redis = new Redis(REDIS_URL);
    try {
      const client = (app: typeof one) =>
        new LimitedWebClient(slack.token, app.slackLimits, {
          slackApiUrl: `${slack.url}/`,
          logLevel: LogLevel.ERROR,
          retryConfig: { retries: 1, minTimeout: 10 },
        });
      slack.faults.set('conversations.open', [{ status: 429, retryAfter: 1 }]);
      const refusedThenRetried = client(one).conversations.open({ users: 'U01ANA' });
      await paused;
      const keys = await redis.keys(`scout-slack:{${prefix}:*`);
      await Promise.all([refusedThenRetried, client(two).conversations.open({ users: 'U01BEN' })]);

      expect(warnings).toEqual([
        'Slack answered 429: the method is paused for every Scout process on this Redis',
      ]);
      // The 429's pause, and the refused call's share of the Tier 3 budget still in flight.
      expect(keys.sort()).toEqual([
        expect.stringMatching(
          /^scout-slack:\{t-[-0-9a-f]+:[0-9a-f]{16}:conversations\.open\}:in-flight$/,
        ),
        expect.stringMatching(
          /^scout-slack:\{t-[-0-9a-f]+:[0-9a-f]{16}:conversations\.open\}:paused$/,
        ),
      ]);
      expect(keys.join()).not.toContain(slack.token);
      const [refused, ...later] = slack.calls;
      expect(later.map((c) => c.args.users).sort()).toEqual(['U01ANA', 'U01BEN']);
      for (const call of later) expect(call.at).toBeGreaterThanOrEqual((refused?.at ?? 0) + 1000);
    } finally {
      await redis.quit();
      await one.close();
      await two.close();
      await slack.close();
    }
  });
});
