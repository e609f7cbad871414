import postgres from 'postgres';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type ScoutHarness } from '../support/scout-env.js';

const LIVE = { LIVE_WRITES: '1' };

/** What a superuser with psql can do: switch the append-only trigger off, change rows, switch it back. */
const asSuperuser = async (h: ScoutHarness, statements: string) => {
  await h.database.sql.unsafe(`
    alter table provenance disable trigger provenance_no_update_delete;
    ${statements};
    alter table provenance enable trigger provenance_no_update_delete;`);
};

const rowAt = async (h: ScoutHarness, seq: number) =>
  (await h.database.sql`select id::int from provenance where chain_seq = ${seq}`)[0]?.id as number;

describe('tamper-evident provenance: scout log --verify', () => {
  let h: ScoutHarness;
  beforeEach(async () => {
    h = await createHarness();
    const run = await h.runJson(['--apply'], LIVE);
    await h.ok(['undo', '--run', run.run_id as string, '--apply'], LIVE);
  });
  afterEach(async () => {
    await h.database.destroy();
  });

  it('passes on an untouched log and reports every row and the head', async () => {
    const [{ n } = { n: 0 }] = await h.database.sql`select count(*)::int as n from provenance`;
    const out = await h.ok(['log', '--verify']);
    expect(out).toMatch(
      new RegExp(`^audit chain OK: ${n} rows verified; head #${n} [0-9a-f]{64}\\n$`),
    );
    const report = JSON.parse(await h.ok(['log', '--verify', '--json']));
    const [head] = await h.database.sql`select seq::int, hash from provenance_chain_head`;
    expect(report).toEqual({ ok: true, rows: n, head: { seq: head?.seq, hash: head?.hash } });
  });

  it('links rows from concurrent transactions into one chain, whoever inserts them', async () => {
    const clients = Array.from({ length: 8 }, () => postgres(h.database.url, { max: 1 }));
    try {
      await Promise.all(
        clients.map((sql, c) =>
          sql.begin(async (tx) => {
            for (let i = 0; i < 15; i++)
              await tx`insert into provenance (run_id, object, record_id, field, action, actor, dry_run, quote, chain_seq, row_hash)
                values (${`direct-${c}`}, 'deal', 'd1', 'metrics', 'skipped', 'test', true, ${`quote ${c}.${i}`}, 999, 'forged')`;
          }),
        ),
      );
    } finally {
      await Promise.all(clients.map((sql) => sql.end()));
    }
    const seqs = await h.database
      .sql`select chain_seq::int as s from provenance order by chain_seq`;
    expect(seqs.map((r) => r.s)).toEqual(seqs.map((_, i) => i + 1));
    expect(await h.ok(['log', '--verify'])).toMatch(/^audit chain OK/);
  });

  it('checks rows with awkward values the same way the database hashed them', async () => {
    await h.database.sql`insert into provenance
      (run_id, object, record_id, field, action, reason, previous_value, new_value, rep_value, quote, confidence, actor, dry_run, proposal_id, undoes, created_at)
      values ('r|1:x', 'deal', 'd1', 'amount', 'undone', ${'naïve — 𝄞 "quoted" |~ 3:abc'},
        '48000.50'::jsonb, '{"b": [1, 2.0, null], "a": "é"}'::jsonb, '""'::jsonb,
        ${'“it’s signed”\n\ttab'}, ${0.1 + 0.2}, 'slack:U1', false, 'p-1', 42,
        '2026-11-22T10:00:00.123456Z')`;
    expect(await h.ok(['log', '--verify'])).toMatch(/^audit chain OK/);
  });

  it('finds a row a superuser edited directly, and names it', async () => {
    const target = await rowAt(h, 3);
    await asSuperuser(h, `update provenance set new_value = '"forged"' where id = ${target}`);
    const r = await h.cli(['log', '--verify']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`audit chain BROKEN at row id ${target} (chain position #3)`);
    expect(r.stderr).toContain("row_hash does not match the row's content");
    expect(r.stderr).toContain('2 rows before it verified');
  });

  it('with two tampered rows, reports the first and counts only the rows before it as verified', async () => {
    const [third, seventh] = [await rowAt(h, 3), await rowAt(h, 7)];
    await asSuperuser(
      h,
      `update provenance set new_value = '"forged later"' where id = ${seventh};
       update provenance set reason = 'forged first' where id = ${third}`,
    );
    const r = await h.cli(['log', '--verify']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `audit chain BROKEN at row id ${third} (chain position #3): row_hash does not match the row's content`,
    );
    expect(r.stderr).toContain('. 2 rows before it verified.');
    expect(r.stderr).not.toContain(`row id ${seventh}`);
    const report = JSON.parse((await h.cli(['log', '--verify', '--json'])).stdout);
    expect(report).toMatchObject({ ok: false, rows: 2, broken: { id: third, chain_seq: 3 } });
  });

  it('finds an edited row whose hash was recomputed too: the next link no longer fits', async () => {
    const target = await rowAt(h, 4);
    await asSuperuser(
      h,
      `update provenance set reason = 'nothing to see here' where id = ${target};
       update provenance p set row_hash = scout_sha256_hex(scout_provenance_canonical(p)) where id = ${target}`,
    );
    const r = await h.cli(['log', '--verify', '--json']);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(false);
    expect(report.broken).toEqual({
      id: await rowAt(h, 5),
      chain_seq: 5,
      problem: expect.stringContaining("prev_hash does not match the previous row's hash"),
    });
  });

  it('finds an edited quote through its own hash', async () => {
    const [row] = await h.database
      .sql`select id::int, chain_seq::int from provenance where quote is not null order by chain_seq limit 1`;
    await asSuperuser(
      h,
      `update provenance set quote = 'a different sentence' where id = ${row?.id}`,
    );
    const r = await h.cli(['log', '--verify']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`at row id ${row?.id}`);
    expect(r.stderr).toContain('quote does not match its stored hash');
  });

  it('finds a deleted row in the middle and rows removed from the end', async () => {
    const middle = await rowAt(h, 6);
    await asSuperuser(h, `delete from provenance where id = ${middle}`);
    let r = await h.cli(['log', '--verify']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`at row id ${await rowAt(h, 7)}`);
    expect(r.stderr).toContain('chain_seq is 7, expected 6');

    await asSuperuser(h, 'delete from provenance where chain_seq >= 6');
    r = await h.cli(['log', '--verify']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('after the last row');
    expect(r.stderr).toContain('rows were removed from the end');
  });

  it('checks the chain against a head kept outside the database', async () => {
    const [head] = await h.database.sql`select seq::int, hash from provenance_chain_head`;
    expect(await h.ok(['log', '--verify', '--expect-head', `${head?.seq}:${head?.hash}`])).toMatch(
      /^audit chain OK/,
    );
    // A rewrite of the whole chain from row 2 on, consistent in itself, still misses the kept head.
    await asSuperuser(
      h,
      `update provenance set reason = 'rewritten' where chain_seq = 2;
       do $$ declare r record; prev text; begin
         for r in select id, chain_seq from provenance where chain_seq >= 2 order by chain_seq loop
           select row_hash into prev from provenance where chain_seq = r.chain_seq - 1;
           update provenance set prev_hash = prev where id = r.id;
           update provenance p set row_hash = scout_sha256_hex(scout_provenance_canonical(p)) where id = r.id;
         end loop;
         update provenance_chain_head set hash = (select row_hash from provenance order by chain_seq desc limit 1);
       end $$`,
    );
    expect(await h.ok(['log', '--verify'])).toMatch(/^audit chain OK/);
    const r = await h.cli(['log', '--verify', '--expect-head', `#${head?.seq} ${head?.hash}`]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('not the kept chain head');
    const beyond = await h.cli(['log', '--verify', '--expect-head', `9999:${head?.hash}`]);
    expect(beyond.code).toBe(1);
    expect(beyond.stderr).toContain('before the kept chain head #9999');
    const bad = await h.cli(['log', '--verify', '--expect-head', 'latest']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--expect-head must be SEQ:HASH');
  });

  it('a run summary carries the chain head, in JSON and in text', async () => {
    const summary = await h.runJson([]);
    const [last] = await h.database
      .sql`select chain_seq::int as seq, row_hash as hash from provenance order by chain_seq desc limit 1`;
    expect(summary.chain_head).toEqual(last);
    const [stored] = await h.database
      .sql`select chain_head from runs where id = ${summary.run_id as string}`;
    expect(stored?.chain_head).toEqual(last);
    const text = await h.ok(['run']);
    expect(text.split('\n').at(-2)).toMatch(/^audit chain head: #\d+ [0-9a-f]{64}$/);
  });
});
