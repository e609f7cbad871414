import { inject } from 'vitest';
import { openDatabase, type PostgresDatabase } from '../../src/db/client.js';
import { runMigrations } from '../../src/db/migrate.js';
import { databaseUrl, dropDatabase, uniqueName, withAdmin } from './postgres.js';

export interface TestDatabase extends PostgresDatabase {
  readonly url: string;
  readonly name: string;
  /** Closes the pool and drops the database. */
  destroy(): Promise<void>;
}

let ownTemplate: Promise<string> | undefined;

/** Outside vitest (benchmarks), the process migrates a template of its own, once. */
function templateName(): Promise<string> {
  if (process.env.VITEST) return Promise.resolve(inject('templateDatabase'));
  ownTemplate ??= (async () => {
    const name = uniqueName('scout_tpl');
    await withAdmin((sql) => sql.unsafe(`create database "${name}"`));
    await runMigrations(databaseUrl(name));
    return name;
  })();
  return ownTemplate;
}

/** Drops the template a non-vitest process made for itself (vitest's global setup drops its own). */
export async function dropOwnTemplate(): Promise<void> {
  if (ownTemplate) await dropDatabase(await ownTemplate);
  ownTemplate = undefined;
}

/** A fresh, migrated database of this test's own, cloned from the run's template. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const template = await templateName();
  const name = uniqueName('scout_test');
  await withAdmin(async (sql) => {
    for (let attempt = 0; ; attempt++) {
      try {
        await sql.unsafe(`create database "${name}" template "${template}"`);
        return;
      } catch (error) {
        // Two clones starting at the same instant can briefly see each other on the template.
        if (attempt >= 20 || !String((error as Error).message).includes('being accessed'))
          throw error;
        await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
      }
    }
  });
  const url = databaseUrl(name);
  const database = openDatabase(url, { max: 5 });
  return {
    ...database,
    url,
    name,
    async destroy() {
      await database.close();
      await dropDatabase(name);
    },
  };
}
