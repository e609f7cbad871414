import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { openDatabase, type PostgresDatabase } from '../../src/db/client.js';
import { grantRuntimeRole } from '../../src/db/grant-runtime.js';
import { MIGRATIONS_FOLDER, runMigrations } from '../../src/db/migrate.js';
import { createProposalStore } from '../../src/db/proposal-store.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../src/policy-file.js';
import { applyProposal } from '../../src/services/apply-proposal.js';
import { decideProposal } from '../../src/services/decide-proposal.js';
import { scout } from '../support/cli.js';
import { databaseUrl, dropDatabase, uniqueName, withAdmin } from '../support/postgres.js';
import { createRuntimeRoleDatabase, type RuntimeRoleDatabase } from '../support/runtime-role.js';
import { EXAMPLE_REPLAY, EXAMPLE_SEED } from '../support/scout-env.js';
import type { TestDatabase } from '../support/test-database.js';

const PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'];

/** What the role may do on each table of the schema, e.g. `{ provenance: 'SELECT,INSERT' }`. */
async function privilegesOf(sql: postgres.Sql, role: string): Promise<Record<string, string>> {
  const rows = await sql<{ tablename: string }[]>`
    select tablename from pg_tables where schemaname = 'public' order by tablename`;
  const out: Record<string, string> = {};
  for (const { tablename } of rows) {
    const held: string[] = [];
    for (const p of PRIVILEGES) {
      const [r] = await sql<{ ok: boolean }[]>`
        select has_table_privilege(${role}, ${`public."${tablename}"`}, ${p}) as ok`;
      if (r?.ok) held.push(p);
    }
    out[tablename] = held.join(',');
  }
  return out;
}

/** What the runtime must hold on every table there is: the log append-only, its guards read-only. */
function expectedPrivileges(tables: readonly string[]): Record<string, string> {
  const special: Record<string, string> = {
    provenance: 'SELECT,INSERT',
    provenance_chain_head: 'SELECT',
    scout_retention: 'SELECT',
  };
  return Object.fromEntries(tables.map((t) => [t, special[t] ?? 'SELECT,INSERT,UPDATE,DELETE']));
}

/**
 * docs/guarantees.md#g21: the schema owner migrates and grants; the runtime works under a role that
 * can append to the audit log and read it, and nothing else on it.
 */
describe('least privilege: the core paths under a runtime role that cannot rewrite the log', () => {
  let db: RuntimeRoleDatabase;
  let owner: TestDatabase;
  let runtime: PostgresDatabase;
  let role: string;
  const env = () => ({
    DATABASE_URL: db.runtimeUrl,
    SCOUT_EXTRACTOR: 'replay',
    SCOUT_REPLAY_FILE: EXAMPLE_REPLAY,
    LIVE_WRITES: '1',
  });
  const ok = async (args: string[]) => {
    const r = await scout(args, env());
    if (r.code !== 0) throw new Error(`scout ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r.stdout;
  };

  beforeAll(async () => {
    db = await createRuntimeRoleDatabase();
    ({ owner, runtime, role } = db);
  });
  afterAll(async () => {
    await db.destroy();
  });

  it('seed, run --apply, approval apply, undo, purge and log --verify all work as the runtime role', async () => {
    await ok(['crm', 'seed', EXAMPLE_SEED]);
    await ok(['setup-fields', '--apply']);
    const summary = JSON.parse(await ok(['run', '--apply', '--json'])) as { run_id: string };
    expect((await runtime.sql`select count(*)::int as n from provenance`)[0]?.n).toBeGreaterThan(0);

    // An approval and its apply, through the same services Slack uses.
    const policy = loadPolicyFile(DEFAULT_POLICY_PATH);
    const proposals = createProposalStore(runtime.db);
    const crm = createLocalCrm(runtime.db);
    const pending =
      await runtime.sql`select id, owner_slack_id from proposals where status = 'pending' limit 1`;
    const proposalId = pending[0]?.id as string;
    expect(proposalId).toBeDefined();
    await runtime.sql`update proposals set owner_slack_id = 'U01ANA' where id = ${proposalId}`;
    const decided = await decideProposal(
      { crm, proposals, policy, clock: () => new Date() },
      { proposalId, version: 1, userId: 'U01ANA', decision: { kind: 'approve' } },
    );
    expect(decided.kind).toBe('decided');
    const applied = await applyProposal(
      { crm, proposals, policy, liveWrites: '1', isPaused: async () => false },
      proposalId,
    );
    expect(applied?.row.status).toBe('applied');

    await ok(['undo', '--run', summary.run_id, '--apply']);
    expect(
      (await runtime.sql`select count(*)::int as n from provenance where action = 'undone'`)[0]?.n,
    ).toBeGreaterThan(0);

    expect(
      JSON.parse(await ok(['purge', '--older-than-days', '30', '--apply', '--json'])),
    ).toMatchObject({
      mode: 'purged',
    });
    expect(await ok(['log', '--verify'])).toContain('verified');
  });

  it('the retention function refuses quotes younger than the retention period (exit 2)', async () => {
    const r = await scout(['purge', '--older-than-days', '1', '--apply'], env());
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('younger than the retention period (30 days)');
    expect(
      (
        await runtime.sql`select count(*)::int as n from provenance where quote is null and quote_sha256 is not null`
      )[0]?.n,
    ).toBe(0);
  });

  it.each([
    ['UPDATE a quote to NULL', `update provenance set quote = null where quote is not null`],
    ['UPDATE a reason', `update provenance set reason = 'rewritten'`],
    ['DELETE', `delete from provenance`],
    ['TRUNCATE', `truncate provenance`],
    ['disable its trigger', `alter table provenance disable trigger provenance_no_update_delete`],
    ['move the chain head', `update provenance_chain_head set seq = 0`],
    ['lower the retention floor', `update scout_retention set min_days = 1`],
    ['create a table (DDL)', `create table scout_evil (i int)`],
    ['drop the log', `drop table provenance`],
  ])('the runtime role cannot %s', async (_name, statement) => {
    await expect(runtime.sql.unsafe(statement)).rejects.toThrow(/permission denied|must be owner/);
  });

  it('every table in the schema: the working tables in full, the log append-only, its guards read-only', async () => {
    const held = await privilegesOf(owner.sql, role);
    expect(Object.keys(held)).toContain('autonomy_announcements');
    expect(Object.keys(held)).toContain('write_intents');
    expect(Object.keys(held)).toContain('write_notices');
    expect(held).toEqual(expectedPrivileges(Object.keys(held)));
  });

  it('the runtime role does not own the log', async () => {
    const [row] = await owner.sql`select tableowner from pg_tables where tablename = 'provenance'`;
    expect(row?.tableowner).not.toBe(role);
  });
});

describe('the runtime never migrates', () => {
  const name = uniqueName('scout_behind');
  beforeAll(async () => {
    await withAdmin((sql) => sql.unsafe(`create database "${name}"`));
  });
  afterAll(async () => {
    await dropDatabase(name);
  });

  it('on a schema that is behind it names the fix and exits, and creates nothing', async () => {
    const r = await scout(['run'], {
      DATABASE_URL: databaseUrl(name),
      SCOUT_EXTRACTOR: 'replay',
      SCOUT_REPLAY_FILE: EXAMPLE_REPLAY,
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('run `scout migrate` as the schema owner');
    const tables = await withAdmin(async () => {
      const db = openDatabase(databaseUrl(name), { max: 2 });
      try {
        return await db.sql`select count(*)::int as n from pg_tables where schemaname in ('public', 'drizzle')`;
      } finally {
        await db.close();
      }
    });
    expect(tables[0]?.n).toBe(0);
  });
});

describe('grants follow the schema: `scout migrate` re-grants the runtime roles after each upgrade', () => {
  const name = uniqueName('scout_upgrade');
  const role = uniqueName('scout_rt_up');
  const url = databaseUrl(name);
  let runtime: PostgresDatabase;
  beforeAll(async () => {
    await withAdmin((sql) => sql.unsafe(`create database "${name}"`));
    await withAdmin((sql) => sql.unsafe(`create role "${role}" login`));
    const runtimeUrl = new URL(url);
    runtimeUrl.username = role;
    runtime = openDatabase(runtimeUrl.toString(), { max: 2 });
  });
  afterAll(async () => {
    await runtime.close();
    await dropDatabase(name);
    await withAdmin((sql) => sql.unsafe(`drop role if exists "${role}"`));
  });

  it('granted at 0010, upgraded without --grant: the later tables reach the role, the log stays append-only', async () => {
    // The schema as it was at 0010, granted then (before autonomy_announcements existed).
    const old = mkdtempSync(join(tmpdir(), 'scout-migrations-'));
    cpSync(MIGRATIONS_FOLDER, old, { recursive: true });
    const journalPath = join(old, 'meta', '_journal.json');
    const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { idx: number }[] };
    journal.entries = journal.entries.filter((e) => e.idx <= 10);
    writeFileSync(journalPath, JSON.stringify(journal));
    await runMigrations(url, old);
    await grantRuntimeRole(url, role);
    await expect(runtime.sql`select 1 from autonomy_announcements`).rejects.toThrow(
      /does not exist/,
    );

    const upgraded = await scout(['migrate'], { DATABASE_URL: url });
    expect(upgraded.code, upgraded.stderr).toBe(0);
    expect(upgraded.stdout).toContain(`re-granted ${role} the runtime privileges`);

    const db = openDatabase(url, { max: 2 });
    try {
      const held = await privilegesOf(db.sql, role);
      expect(Object.keys(held)).toContain('autonomy_announcements');
      expect(held).toEqual(expectedPrivileges(Object.keys(held)));
    } finally {
      await db.close();
    }
    // Used, not only listed: the runtime writes the new table and still cannot rewrite the log.
    await runtime.sql`insert into autonomy_announcements (field, overturned, auto_writes) values ('next_step', 3, 10)`;
    await runtime.sql`update autonomy_announcements set overturned = 4 where field = 'next_step'`;
    expect((await runtime.sql`select overturned from autonomy_announcements`)[0]?.overturned).toBe(
      4,
    );
    await expect(runtime.sql`update provenance set reason = 'rewritten'`).rejects.toThrow(
      /permission denied/,
    );
    await expect(runtime.sql`delete from provenance`).rejects.toThrow(/permission denied/);
  });
});
