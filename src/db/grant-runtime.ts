import postgres from 'postgres';
import { ScoutError } from '../errors.js';

/** The audit log and what guards it: the runtime reads them and appends to the log, nothing more. */
const APPEND_ONLY = 'provenance';
const READ_ONLY = ['provenance_chain_head', 'scout_retention'];

/**
 * SPEC G21: what `serve`, `worker`, `run`, `undo`, `purge` and `/deal-summary` need, for a
 * role that owns nothing. Generic over the schema's tables, so tables added by later
 * migrations are covered by running it again; only the log is narrowed: SELECT and
 * INSERT on `provenance`, no UPDATE, DELETE, TRUNCATE or DDL (DDL needs ownership,
 * which stays with the schema owner). Clearing old quotes goes through
 * `scout_purge_quotes`, which refuses rows younger than the retention floor.
 */
export async function grantRuntimeRole(url: string, role: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role))
    throw new ScoutError(
      'usage',
      `--grant takes a Postgres role name (lower-case letters, digits, _), not ${JSON.stringify(role.slice(0, 70))}`,
    );
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const [me] = await sql<{ me: string }[]>`select current_user as me`;
    if (me?.me === role)
      throw new ScoutError(
        'usage',
        `--grant ${role}: that is the schema owner this command runs as; grant a separate runtime role`,
      );
    const [exists] = await sql<
      { n: number }[]
    >`select count(*)::int as n from pg_roles where rolname = ${role}`;
    if (!exists?.n)
      throw new ScoutError(
        'usage',
        `Role ${role} does not exist: create it first (CREATE ROLE ${role} LOGIN PASSWORD '…'), then grant again`,
      );
    const r = sql(role);
    await sql.begin(async (tx) => {
      await tx`grant usage on schema public to ${r}`;
      await tx`grant select, insert, update, delete on all tables in schema public to ${r}`;
      await tx`revoke truncate, references, trigger on all tables in schema public from ${r}`;
      await tx`revoke all on ${tx(APPEND_ONLY)} from ${r}`;
      await tx`grant select, insert on ${tx(APPEND_ONLY)} to ${r}`;
      for (const table of READ_ONLY) {
        await tx`revoke all on ${tx(table)} from ${r}`;
        await tx`grant select on ${tx(table)} to ${r}`;
      }
      await tx`grant usage, select on all sequences in schema public to ${r}`;
      await tx`grant execute on function scout_purge_quotes(integer) to ${r}`;
      // To check that the schema is current before starting (it never migrates).
      await tx`grant usage on schema drizzle to ${r}`;
      await tx`grant select on drizzle.__drizzle_migrations to ${r}`;
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
