import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, type ScoutHarness } from '../support/scout-env.js';

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const OLD_QUOTES = ['Dana signs anything over 25k.', 'We lose 30 hours a month — by hand.'];

describe('retention: scout purge clears old quotes and keeps the chain verifiable', () => {
  let h: ScoutHarness;
  beforeEach(async () => {
    h = await createHarness();
    const sql = h.database.sql;
    // Rows logged 40 days ago (inserted directly; the chain trigger links them like any other).
    for (const quote of OLD_QUOTES)
      await sql`insert into provenance (run_id, object, record_id, field, action, actor, dry_run, quote, created_at)
        values ('old-run', 'deal', 'd1', 'metrics', 'skipped', 'agent', true, ${quote}, now() - interval '40 days')`;
    for (const [id, status] of [
      ['old-rejected', 'rejected'],
      ['old-pending', 'pending'],
    ] as const)
      await sql`insert into proposals (id, run_id, object, record_id, field, new_value, source_note_id, quote, confidence, model, status, dry_run, created_at, expires_at)
        values (${id}, 'old-run', 'deal', 'd1', 'closedate', '"2027-01-31"'::jsonb, 'n2', 'signed by January 31', 0.8, 'replay', ${status}, false, now() - interval '40 days', now() + interval '1 day')`;
    await h.ok(['run']);
  });
  afterEach(async () => {
    await h.database.destroy();
  });

  const quotes = async () =>
    (
      await h.database
        .sql`select quote, quote_sha256, created_at < now() - interval '30 days' as old from provenance order by chain_seq`
    ).map((r) => ({ ...r })) as Array<{
      quote: string | null;
      quote_sha256: string | null;
      old: boolean;
    }>;

  it('is a dry run by default, then clears only quotes older than N days, keeping their hashes', async () => {
    const before = await quotes();
    const recentWithQuote = before.filter((r) => !r.old && r.quote !== null).length;
    expect(recentWithQuote).toBeGreaterThan(0);

    const dry = await h.ok(['purge', '--older-than-days', '30']);
    expect(dry.split('\n')[0]).toBe('DRY RUN — nothing was purged');
    expect(dry).toContain('would clear 2 quotes in the provenance log and 1 in decided proposals');
    expect(await quotes()).toEqual(before);

    const report = JSON.parse(
      await h.ok(['purge', '--older-than-days', '30', '--apply', '--json']),
    );
    expect(report).toMatchObject({
      mode: 'purged',
      older_than_days: 30,
      provenance: 2,
      proposals: 1,
    });
    const after = await quotes();
    const old = after.filter((r) => r.old);
    expect(old.map((r) => r.quote)).toEqual([null, null]);
    expect(old.map((r) => r.quote_sha256)).toEqual(OLD_QUOTES.map(sha256));
    expect(after.filter((r) => !r.old && r.quote !== null)).toHaveLength(recentWithQuote);
    const proposals = await h.database
      .sql`select id, quote from proposals where run_id = 'old-run' order by id`;
    expect(proposals.map((p) => [p.id, p.quote])).toEqual([
      ['old-pending', 'signed by January 31'],
      ['old-rejected', ''],
    ]);

    expect(await h.ok(['log', '--verify'])).toMatch(/^audit chain OK/);
    const again = JSON.parse(await h.ok(['purge', '--older-than-days', '30', '--apply', '--json']));
    expect(again).toMatchObject({ provenance: 0, proposals: 0 });
  });

  it('takes its age from SCOUT_RETENTION_DAYS, and needs one or the other', async () => {
    const missing = await h.cli(['purge']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--older-than-days N (or SCOUT_RETENTION_DAYS)');
    const report = JSON.parse(
      await h.ok(['purge', '--apply', '--json'], { SCOUT_RETENTION_DAYS: '30' }),
    );
    expect(report).toMatchObject({ older_than_days: 30, provenance: 2 });
  });

  it.each([
    ['a quote rewritten', `update provenance set quote = 'something else' where quote is not null`],
    [
      'a quote cleared together with another column',
      `update provenance set quote = null, reason = 'purged' where quote is not null`,
    ],
    ['a stored quote hash', 'update provenance set quote_sha256 = null where quote is not null'],
    ['a quote restored after a purge', `update provenance set quote = 'back' where quote is null`],
  ])('the database still refuses %s', async (_name, statement) => {
    await h.ok(['purge', '--older-than-days', '30', '--apply']);
    await expect(h.database.sql.unsafe(statement)).rejects.toThrow(
      'provenance is append-only: UPDATE is not allowed',
    );
  });
});
