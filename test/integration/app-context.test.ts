import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app-context.js';
import { loadConfig } from '../../src/config.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

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
});
