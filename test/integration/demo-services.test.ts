import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { checkDemo } from '../../src/demo/demo-check.js';
import { startDemo } from '../../src/demo/start-demo.js';
import { createTestDatabase } from '../support/test-database.js';

const SHARED_REDIS = 'redis://127.0.0.1:6379';

/** This test's own keys (its prefix) in the shared Redis. */
async function keysOf(prefix: string): Promise<string[]> {
  const redis = new Redis(SHARED_REDIS);
  try {
    const found: string[] = [];
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 500 }))
      found.push(...(keys as string[]));
    return found;
  } finally {
    redis.disconnect();
  }
}

/** Deletes this test's own keys; the shared Redis is never flushed. */
async function deleteKeys(prefix: string): Promise<void> {
  const keys = await keysOf(prefix);
  const redis = new Redis(SHARED_REDIS);
  try {
    for (let i = 0; i < keys.length; i += 500) await redis.unlink(...keys.slice(i, i + 500));
  } finally {
    redis.disconnect();
  }
}

// `--check` ignores DATABASE_URL and REDIS_URL on purpose, so the demo is started directly here.
describe('scout demo on a given Postgres (DATABASE_URL) and BullMQ (REDIS_URL)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('passes the whole --check flow, waiting on the database where BullMQ cannot say it is idle', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.destroy());
    const prefix = `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    cleanups.push(() => deleteKeys(prefix));
    const dataDir = mkdtempSync(join(tmpdir(), 'scout-demo-services-'));
    cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));

    const demo = await startDemo({
      config: loadConfig({
        DATABASE_URL: database.url,
        REDIS_URL: SHARED_REDIS,
        SCOUT_QUEUE_PREFIX: prefix,
        LOG_LEVEL: 'silent',
      }),
      logger: pino({ level: 'silent' }),
      dataDir,
      port: 0,
    });
    cleanups.push(() => demo.stop());
    expect(demo.setup).toContain('database: PostgreSQL at DATABASE_URL');
    expect(demo.setup).toContain('jobs: BullMQ on REDIS_URL');
    expect(demo.setup).toContain(
      'local CRM: seeded 25 sample deals and 28 notes from examples/demo/pipeline.seed.json',
    );

    const lines: string[] = [];
    await checkDemo(demo, (line) => lines.push(line));
    expect(lines).toContain('ok  the live run posted a LIVE summary to #scout-ops');
    expect(lines).toContain("ok  provenance: the stranger's attempt is logged as denied");
    // The demo wires the card's Undo as `scout serve` does: through BullMQ too, the value is back.
    expect(lines).toContain(
      'ok  Undo on the card put d15 close date back to empty, as before the approval',
    );
    expect(lines).toContain('ok  provenance: d15 close date undone from Slack');
    expect(lines.at(-2)).toMatch(
      /^ok {2}no proposal, CRM write, CRM value, card or message carries the injected /,
    );
    expect(lines.at(-1)).toBe(
      'ok  every message, reply and view names people and fields, with no user id or property key',
    );

    // The demo's data went to the given database, and nothing embedded was made.
    const [deals] = await database.sql`select count(*)::int as n from crm_deals`;
    expect(deals?.n).toBe(25);
    expect(readdirSync(dataDir)).toEqual([]);
    // The runs, the deals and the approved changes went through this test's BullMQ queues.
    const queues = new Set((await keysOf(prefix)).map((k) => k.split(':')[1]));
    expect([...queues].sort()).toEqual(expect.arrayContaining(['applies', 'deals', 'runs']));
  });
});
