import { readMigrationFiles } from 'drizzle-orm/migrator';
import postgres from 'postgres';
import { ScoutError } from '../errors.js';
import { MIGRATIONS_FOLDER } from './migrate.js';

const BEHIND = 'run `scout migrate` as the schema owner';

/**
 * docs/guarantees.md#g21: the runtime runs no DDL. It only checks that every migration this Scout ships
 * has been applied (drizzle records each one's folder timestamp), and says who must act
 * when one has not.
 */
export async function requireMigratedSchema(url: string): Promise<void> {
  const expected = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  const newest = Math.max(...expected.map((m) => m.folderMillis));
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    let applied: number;
    try {
      const [row] = await sql<{ last: string | null; n: number }[]>`
        select max(created_at)::text as last, count(*)::int as n from drizzle.__drizzle_migrations`;
      applied = row?.last ? Number(row.last) : 0;
    } catch (error) {
      const code = (error as { code?: string }).code;
      // No migration table yet: nothing was ever migrated here.
      if (code === '42P01' || code === '3F000') applied = 0;
      else if (code === '42501')
        throw new ScoutError(
          'database_failed',
          `This database role cannot read the migration table: as the schema owner, run \`scout migrate --grant <this role>\``,
        );
      else throw error;
    }
    if (applied < newest) {
      const missing = expected.filter((m) => m.folderMillis > applied).length;
      throw new ScoutError(
        'database_failed',
        `The database schema is behind this Scout (${missing} of ${expected.length} migrations not applied): ${BEHIND}, then start again`,
      );
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}
