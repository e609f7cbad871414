import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { SelectOnlyDb } from './deal-history-reader.js';
import * as schema from './schema.js';

/**
 * A small pool whose every session starts with `default_transaction_read_only = on`:
 * Postgres itself refuses any write sent through it (docs/guarantees.md#g16), whatever the code does.
 * Only the select half of drizzle is handed out.
 */
export function openReadOnlyDatabase(url: string): { db: SelectOnlyDb; close(): Promise<void> } {
  const sql = postgres(url, {
    max: 2,
    onnotice: () => {},
    connection: { default_transaction_read_only: true },
  });
  const db = drizzle(sql, { schema });
  return { db, close: () => sql.end({ timeout: 5 }) };
}
