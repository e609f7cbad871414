import postgres from 'postgres';
import { createLocalCrm } from '../src/crm/local-crm.js';
import { seedLocalCrm } from '../src/crm/local-crm-admin.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../src/policy-file.js';
import { setupFields } from '../src/services/setup-fields.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * A fresh database for one measurement: migrated, the local CRM seeded from `seedPath`,
 * the scout_* fields created. `drop` removes it.
 */
export async function seededDatabase(
  name: string,
  seedPath: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  const drop = async () => {
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  };
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.unsafe(`create database "${name}"`);
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  const url = u.toString();
  try {
    await runMigrations(url);
    const db = openDatabase(url);
    try {
      await seedLocalCrm(db.db, seedPath);
      await setupFields(
        {
          crm: createLocalCrm(db.db),
          policy: loadPolicyFile(DEFAULT_POLICY_PATH),
          liveWrites: '1',
          isPaused: async () => false,
        },
        { apply: true },
      );
    } finally {
      await db.close();
    }
  } catch (error) {
    await drop();
    throw error;
  }
  return { url, drop };
}
