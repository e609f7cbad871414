import postgres from 'postgres';
import { ScoutError } from '../errors.js';

/** The audit log and what guards it: the runtime reads them and appends to the log, nothing more. */
const APPEND_ONLY = 'provenance';
const READ_ONLY = ['provenance_chain_head', 'scout_retention'];

/**
 * docs/guarantees.md#g21: what `serve`, `worker`, `run`, `undo`, `purge` and `/deal-summary` need, for a
 * role that owns nothing. Generic over the schema's tables; only the log is narrowed:
 * SELECT and INSERT on `provenance`, no UPDATE, DELETE, TRUNCATE or DDL (DDL needs
 * ownership, which stays with the schema owner). Clearing old quotes goes through
 * `scout_purge_quotes`, which refuses rows younger than the retention floor. Tables added
 * by later migrations are covered by {@link regrantRuntimeRoles}, which `scout migrate`
 * runs after every migration.
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
    await applyRuntimeGrants(sql, role);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Grants again, after migrations, every runtime role granted before, so a table a later
 * migration added (and the narrowing of the log) reaches them without a second step.
 * The record of who is a runtime role is Postgres's own: the roles other than the owner
 * that may append to the log. No table of role names the runtime could add itself to,
 * and no default privileges, which would hand a new table full rights before it is
 * narrowed. Returns the roles granted.
 */
export async function regrantRuntimeRoles(url: string): Promise<string[]> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql<{ role: string }[]>`
      select distinct r.rolname as role
      from pg_class c
      cross join lateral aclexplode(c.relacl) a
      join pg_roles r on r.oid = a.grantee
      where c.oid = to_regclass('public.provenance')
        and a.privilege_type = 'INSERT'
        and a.grantee <> c.relowner
      order by 1`;
    for (const { role } of rows) await applyRuntimeGrants(sql, role);
    return rows.map((r) => r.role);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function applyRuntimeGrants(sql: postgres.Sql, role: string): Promise<void> {
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
}
