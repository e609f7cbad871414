import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/postgres-js';
import { migrate } from 'drizzle-orm/postgres-js/migrator';
import postgres from 'postgres';

export const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../drizzle', import.meta.url));

/** Arbitrary but fixed: every Scout process contends for the same advisory lock. */
const MIGRATION_LOCK_KEY = 7_245_310_221;

/**
 * Applies the committed migrations in `drizzle/`. Runs on one dedicated connection
 * holding a session advisory lock, so several processes starting at once apply
 * each migration exactly once.
 */
export async function runMigrations(
  url: string,
  /** Tests apply an older prefix of the migrations to upgrade from it. */
  migrationsFolder: string = MIGRATIONS_FOLDER,
): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK_KEY})`;
    try {
      await migrate(drizzle(sql), { migrationsFolder });
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK_KEY})`;
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
