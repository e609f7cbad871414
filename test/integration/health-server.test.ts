import { pino } from 'pino';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHealthServer } from '../../src/http/health-server.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('/healthz', () => {
  let db: TestDatabase;
  const dead = postgres('postgres://postgres@127.0.0.1:1/none', { max: 1, connect_timeout: 1 });
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await dead.end({ timeout: 1 });
    await db.destroy();
  });

  it('is 200 when Postgres answers and 503 naming the check when it does not', async () => {
    const logger = pino({ level: 'silent' });
    const up = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      logger,
      checks: [{ name: 'postgres', check: async () => void (await db.sql`select 1`) }],
    });
    const down = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      logger,
      checks: [{ name: 'postgres', check: async () => void (await dead`select 1`) }],
    });
    try {
      const ok = await fetch(`http://127.0.0.1:${up.port}/healthz`);
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ status: 'ok', checks: { postgres: 'ok' } });
      const bad = await fetch(`http://127.0.0.1:${down.port}/healthz`);
      expect(bad.status).toBe(503);
      expect(await bad.json()).toMatchObject({
        status: 'unavailable',
        checks: { postgres: expect.not.stringMatching(/^ok$/) },
      });
      expect((await fetch(`http://127.0.0.1:${up.port}/nope`)).status).toBe(404);
    } finally {
      await up.close();
      await down.close();
    }
  });
});
