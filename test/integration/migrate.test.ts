import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runMigrations } from '../../src/db/migrate.js';
import { databaseUrl, dropDatabase, uniqueName, withAdmin } from '../support/postgres.js';

describe('migrations', () => {
  const name = uniqueName('scout_migrate');
  beforeAll(async () => {
    await withAdmin((sql) => sql.unsafe(`create database "${name}"`));
  });
  afterAll(async () => {
    await dropDatabase(name);
  });

  it('four processes migrating at once apply each migration exactly once', async () => {
    await Promise.all([1, 2, 3, 4].map(() => runMigrations(databaseUrl(name))));
    const [{ n }] = (await withAdmin(async () => {
      const postgres = (await import('postgres')).default;
      const sql = postgres(databaseUrl(name), { max: 1, onnotice: () => {} });
      try {
        return await sql`select count(*)::int as n from drizzle.__drizzle_migrations`;
      } finally {
        await sql.end();
      }
    })) as unknown as [{ n: number }];
    const journal = JSON.parse(
      readFileSync(new URL('../../drizzle/meta/_journal.json', import.meta.url), 'utf8'),
    ) as { entries: unknown[] };
    expect(n).toBe(journal.entries.length);
    await runMigrations(databaseUrl(name));
  });
});
