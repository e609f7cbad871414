import { describe, expect, it } from 'vitest';
import { resilienceKit } from '../support/resilience-kit.js';
import { spawnTs } from '../support/spawn-worker.js';
import { uniquePrefix, until } from '../support/worker-harness.js';

// Apart from the rest of worker-resilience.test.ts (it takes as long as all of them), so the
// two run side by side.
describe('worker resilience under SIGKILL (each test on its own redis-server)', () => {
  const { cleanups, ownRedis, harness, approvedProposals, appliedRows } = resilienceKit();

  it('SIGKILL right after the CRM write, 20 times: no duplicate write, no lost approval', async () => {
    const redis = await ownRedis();
    const { h, files } = await harness(20);
    const ids = await approvedProposals(h, 20);
    const prefix = uniquePrefix();
    const env = {
      ...h.env,
      REDIS_URL: redis.url,
      SCOUT_QUEUE_PREFIX: prefix,
      SCOUT_REPLAY_FILE: files.replayPath,
      LIVE_WRITES: '1',
      SCOUT_JOB_LOCK_SECONDS: '1',
      SCOUT_APPLY_CONCURRENCY: '1',
      SCOUT_RECONCILE_SECONDS: '0.2',
      SCOUT_RECONCILE_GRACE_SECONDS: '0',
    };
    const writes = new Map<string, number>();
    const tally = (m: Record<string, unknown>) => {
      if (m.type !== 'written') return;
      for (const w of m.writes as string[]) writes.set(w, (writes.get(w) ?? 0) + 1);
    };
    let kills = 0;
    while (kills < 20) {
      const proc = spawnTs('./worker-child.ts', { ...env, TEST_PAUSE_AFTER_WRITE_MS: '5000' });
      cleanups.push(async () => void proc.child.kill('SIGKILL'));
      const written = new Promise<void>((resolve) =>
        proc.onMessage((m) => {
          tally(m);
          if (m.type === 'written') resolve();
        }),
      );
      const outcome = await Promise.race([
        written.then(() => 'written' as const),
        proc.exited.then(() => 'exited' as const),
        // A cold worker start compiles the sources (tsx): far longer on a busy machine.
        new Promise<'idle'>((r) => setTimeout(() => r('idle'), 60_000)),
      ]);
      proc.child.kill('SIGKILL');
      await proc.exited;
      if (outcome !== 'written') break;
      kills += 1;
    }
    expect(kills).toBe(20);
    // A healthy worker recovers whatever the killed ones left half-done.
    const last = spawnTs('./worker-child.ts', env);
    cleanups.push(async () => void last.child.kill('SIGKILL'));
    last.onMessage(tally);
    await last.ready;
    await until(
      async () => {
        const rows = await h.database
          .sql`select status from proposals where id in ${h.database.sql(ids)}`;
        return rows.every((r) => ['applied', 'stale', 'failed'].includes(r.status as string));
      },
      'every proposal in a terminal state',
      60_000,
    );
    const statuses = await h.database
      .sql`select status from proposals where id in ${h.database.sql(ids)}`;
    expect(statuses.map((r) => r.status)).toEqual(Array(20).fill('applied'));
    for (const [key, n] of writes) expect(n, key).toBe(1);
    expect(writes.size).toBe(20);
    const applied = await appliedRows(h, ids);
    for (const id of ids) expect(applied.get(id)).toBe(1);
    const recovered = await h.database.sql`
      select count(*)::int as n from provenance where action = 'applied' and reason like 'recovered:%'`;
    expect(recovered[0]?.n).toBeGreaterThan(0);
    // Twenty worker processes start one after another (each loads the CLI): a busy machine
    // needs more than the default minute, which is no sign of anything wrong.
  }, 420_000);
});
