import { openDatabase, type PostgresDatabase } from '../../src/db/client.js';
import { scout } from './cli.js';
import { uniqueName, withAdmin } from './postgres.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

/** A migrated database and a runtime role granted by `scout migrate --grant` (docs/guarantees.md#g21). */
export interface RuntimeRoleDatabase {
  /** The schema owner's database (the test's superuser). */
  readonly owner: TestDatabase;
  readonly role: string;
  /** DATABASE_URL of the runtime role. */
  readonly runtimeUrl: string;
  /** A pool logged in as the runtime role. */
  readonly runtime: PostgresDatabase;
  destroy(): Promise<void>;
}

export async function createRuntimeRoleDatabase(): Promise<RuntimeRoleDatabase> {
  const owner = await createTestDatabase();
  const role = uniqueName('scout_rt');
  await withAdmin((sql) => sql.unsafe(`create role "${role}" login`));
  const granted = await scout(['migrate', '--grant', role], { DATABASE_URL: owner.url });
  if (granted.code !== 0)
    throw new Error(`scout migrate --grant exited ${granted.code}: ${granted.stderr}`);
  const url = new URL(owner.url);
  url.username = role;
  url.password = '';
  const runtimeUrl = url.toString();
  const runtime = openDatabase(runtimeUrl, { max: 2 });
  return {
    owner,
    role,
    runtimeUrl,
    runtime,
    async destroy() {
      await runtime.close();
      await owner.destroy();
      await withAdmin((sql) => sql.unsafe(`drop role if exists "${role}"`));
    },
  };
}
