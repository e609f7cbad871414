import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { drizzle } from 'drizzle-orm/pglite';
import { migrate } from 'drizzle-orm/pglite/migrator';
import type { Database } from './client.js';
import { inProcessDealLock } from './deal-lock.js';
import { MIGRATIONS_FOLDER } from './migrate.js';
import * as schema from './schema.js';

/**
 * PGlite (Postgres compiled to WebAssembly) in this process, stored in `dir`, with the
 * same migrations, triggers and queries as a server. For `scout demo` only: one process
 * owns the directory, so the deal lock is an in-memory mutex.
 */
export async function openEmbeddedDatabase(dir: string): Promise<Database> {
  mkdirSync(dir, { recursive: true });
  const client = new PGlite(dir);
  await client.waitReady;
  const db = drizzle(client, { schema });
  try {
    await migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  } catch (error) {
    await client.close();
    throw error;
  }
  return {
    db,
    ping: async () => void (await client.query('select 1')),
    dealLock: inProcessDealLock(),
    close: () => client.close(),
  };
}
