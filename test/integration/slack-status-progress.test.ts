import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSlackHarness, OPS, type SlackHarness } from '../support/slack-harness.js';

describe('/scout status on a run in progress', () => {
  let s: SlackHarness;
  beforeEach(async () => {
    s = await createSlackHarness();
  });
  afterEach(async () => {
    await s.close();
  });

  it('shows its deals scanned of total, writes and cards so far, and when it started', async () => {
    const sql = s.h.database.sql;
    const [run] = await sql<{ id: string }[]>`select id from runs`;
    if (!run) throw new Error('the harness runs once');
    const counts = async (action: string) =>
      (
        await sql<{ n: number }[]>`
          select count(*)::int as n from provenance where run_id = ${run.id} and action = ${action}`
      )[0]?.n ?? 0;
    const written = await counts('written');
    const cards = await counts('proposed');
    expect(written).toBeGreaterThan(0);
    expect(cards).toBe(2);
    // The harness's live run, as it stood part-way: running, its lease held, 3 of 400 scanned.
    await sql`update runs set status = 'running', finished_at = null, scanned = 3, total = 400,
        started_at = now() - interval '2 minutes', lease_until = now() + interval '1 hour'
      where id = ${run.id}`;

    const status = await s.command('/scout', 'status', OPS);
    expect(status.status).toBe(200);
    const text = JSON.parse(status.text).text as string;
    expect(text).toContain(
      `LIVE running: scanned 3 of 400 deals · ${written} written · ${cards} cards · started 2 min ago (run ${run.id.slice(0, 8)})`,
    );

    // Once it has finished, the line says so and drops the counts so far.
    await sql`update runs set status = 'completed', finished_at = now() where id = ${run.id}`;
    const done = JSON.parse((await s.command('/scout', 'status', OPS)).text).text as string;
    expect(done).toContain(`LIVE completed, scanned 3 of 400 (run ${run.id.slice(0, 8)})`);
    expect(done).not.toContain('started 2 min ago');
  });
});
