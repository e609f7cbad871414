import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { DealLock } from '../services/ports/deal-lock.js';
import { DEFAULT_POOL_SIZE, dealLock } from './deal-lock.js';
import * as schema from './schema.js';

/** Any Postgres driver drizzle speaks: postgres.js for servers, PGlite when embedded. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

declare module '../services/ports/transaction.js' {
  /** Services pass a transaction as an opaque `Tx`; it is this adapter's `Db`. */
  interface TransactionRegistry {
    readonly tx: Db;
  }
}

/** A database as the rest of Scout sees it: a Postgres server, or PGlite in this process (`scout demo`). */
export interface Database {
  readonly db: Db;
  /** Fails unless the database answers a trivial query (health checks). */
  ping(): Promise<void>;
  /** Serialises work on one deal: across processes on a server, in memory when embedded. */
  readonly dealLock: DealLock;
  close(): Promise<void>;
}

/** The postgres.js pool behind a server database, for the code and tests that need raw SQL. */
export interface PostgresDatabase extends Database {
  readonly sql: postgres.Sql;
}

export interface DatabaseOptions {
  /** Called once per statement sent; the benchmark counts round trips with it. */
  onQuery?: () => void;
  /** Connections in the pool (default 10); half of them at most hold deal locks. */
  max?: number;
}

/** Opens the pool Scout uses for everything but migrations. */
export function openDatabase(url: string, options: DatabaseOptions = {}): PostgresDatabase {
  const max = options.max ?? DEFAULT_POOL_SIZE;
  const sql = postgres(url, {
    max,
    onnotice: () => {},
    ...(options.onQuery ? { debug: () => options.onQuery?.() } : {}),
  });
  const db = drizzle(sql, { schema });
  return {
    db,
    sql,
    ping: async () => void (await sql`select 1`),
    dealLock: dealLock(sql, max),
    close: () => sql.end({ timeout: 5 }),
  };
}
