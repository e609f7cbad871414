import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createStores } from '../../src/app-context.js';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createRunLedger } from '../../src/db/run-ledger.js';
import { DEFAULT_TIMINGS } from '../../src/jobs/background-work.js';
import { createBullJobs } from '../../src/jobs/bullmq-jobs.js';
import { startRuntime } from '../../src/jobs/runtime.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import { applyJobId } from '../../src/services/job-ids.js';
import { resilienceKit } from '../support/resilience-kit.js';
import { AUTO_NEXT_STEP_POLICY } from '../support/scout-env.js';
import { spawnTs } from '../support/spawn-worker.js';
import {
  approveProposal,
  insertProposal,
  startTestWorker,
  tallyingCrm,
  uniquePrefix,
  until,
} from '../support/worker-harness.js';

const quiet = pino({ level: 'silent' });

describe('worker resilience (each test on its own redis-server)', () => {
  const {
    cleanups,
    ownRedis,
    harness,
    slackStandIn,
    approvedProposals,
    settledDeals,
    settlesWithin,
    appliedRows,
  } = resilienceKit();

  it('refuses to start on a Redis that may evict keys', async () => {
    const redis = await ownRedis(['--maxmemory-policy', 'allkeys-lru']);
    const { h } = await harness(1);
    const r = await h.cli(['worker'], { REDIS_URL: redis.url });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('maxmemory-policy is allkeys-lru');
    expect(r.stderr).toContain('noeviction');
  });

  it('four processes registering schedules at once leave exactly one of each', async () => {
    const redis = await ownRedis();
    const prefix = uniquePrefix();
    for (let round = 0; round < 3; round++) {
      const procs = Array.from({ length: 4 }, () =>
        spawnTs('./upsert-schedules-child.ts', {
          REDIS_URL: redis.url,
          SCOUT_QUEUE_PREFIX: prefix,
        }),
      );
      const codes = await Promise.all(procs.map((p) => p.exited));
      expect(codes, procs.map((p) => p.stderr()).join('\n')).toEqual([0, 0, 0, 0]);
    }
    const runs = new Queue('runs', { connection: redis.client(), prefix });
    const ops = new Queue('ops', { connection: redis.client(), prefix });
    try {
      const keys = (await runs.getJobSchedulers(0, -1)).map((s) => s.key).sort();
      expect(keys).toEqual(['schedule-hourly', 'schedule-nightly']);
      expect(await runs.getDelayedCount()).toBe(2);
      expect((await ops.getJobSchedulers(0, -1)).map((s) => s.key)).toEqual(['heartbeat']);
    } finally {
      await runs.close();
      await ops.close();
    }
  });

  it('FLUSHALL with approvals queued: the reconciler restores them and each is applied exactly once', async () => {
    const redis = await ownRedis();
    const { h, files } = await harness(6);
    const ids = await approvedProposals(h, 6);
    const prefix = uniquePrefix();
    // `scout serve` on BullMQ: relays the outbox into Redis, applies nothing itself.
    const serve = await startRuntime({
      role: 'serve',
      jobs: await createBullJobs({
        redisUrl: redis.url,
        prefix,
        logger: quiet,
        dealConcurrency: 1,
      }),
      database: h.database,
      crm: createLocalCrm(h.database.db),
      ledger: createRunLedger(h.database.db),
      stores: createStores(h.database.db),
      policy: loadPolicyFile(AUTO_NEXT_STEP_POLICY),
      liveWrites: '1',
      notifier: null,
      logger: quiet,
      clock: () => new Date(),
      newId: () => randomUUID(),
      timings: { ...DEFAULT_TIMINGS, relayMs: 50 },
    });
    cleanups.push(async () => void (await serve.stop(1_000)));
    await serve.idle();
    const probe = new Queue('applies', { connection: redis.client(), prefix });
    cleanups.push(() => probe.close());
    expect(await probe.getWaitingCount()).toBe(6);

    await redis.flushAll();
    expect(await probe.getWaitingCount()).toBe(0);

    const { crm, writes } = tallyingCrm(createLocalCrm(h.database.db));
    const worker = await startTestWorker({
      database: h.database,
      replayPath: files.replayPath,
      redisUrl: redis.url,
      prefix,
      liveWrites: '1',
      crm,
    });
    cleanups.push(async () => void (await worker.runtime.stop(2_000)));
    await until(async () => {
      const rows = await h.database
        .sql`select status from proposals where id in ${h.database.sql(ids)}`;
      return rows.every((r) => r.status === 'applied');
    }, 'every approval applied');
    // Another reconciler pass re-enqueues nothing new and writes nothing twice.
    await worker.runtime.tick();
    await worker.runtime.idle();
    const applied = await appliedRows(h, ids);
    for (const id of ids) expect(applied.get(id)).toBe(1);
    expect(Object.fromEntries(writes)).toEqual(
      Object.fromEntries(ids.map((_, i) => [`d${i}/next_step`, 1])),
    );
    const dump = await h.dump();
    for (let i = 0; i < 6; i++)
      expect(dump.deals.find((d) => d.id === `d${i}`)?.properties.next_step).toBe(
        `Send the MSA ${i}`,
      );
  });

  it('Redis restarted (and emptied) mid-run: the run completes and its summary is posted once', async () => {
    const redis = await ownRedis();
    const { h, files } = await harness(40);
    const slack = await slackStandIn();
    const worker = await startTestWorker({
      database: h.database,
      replayPath: files.replayPath,
      redisUrl: redis.url,
      liveWrites: '1',
      slack,
      extractDelayMs: 40,
    });
    cleanups.push(async () => void (await worker.runtime.stop(2_000)));
    const runId = randomUUID();
    await worker.jobs.add('runs', [{ id: `run-${runId}`, data: { runId, apply: true } }]);
    await until(async () => {
      const [r] = await h.database
        .sql`select count(*)::int as n from run_deals where run_id = ${runId} and state <> 'queued'`;
      return (r?.n ?? 0) >= 5;
    }, 'a few deals settled');
    await redis.stop();
    await new Promise((r) => setTimeout(r, 300));
    await redis.start();
    await until(
      async () => {
        const [r] = await h.database.sql`select summary_posted_at from runs where id = ${runId}`;
        return r?.summary_posted_at != null;
      },
      'the run summary after the restart',
      60_000,
    );
    const [run] = await h.database.sql`select * from runs where id = ${runId}`;
    expect(run?.status).toBe('completed');
    expect(run?.scanned).toBe(40);
    const posts = slack.calls.filter(
      (c) => c.method === 'chat.postMessage' && c.args.channel === 'C0OPS',
    );
    expect(posts).toHaveLength(1);
    const dupes = await h.database.sql`
      select record_id, field, count(*)::int as n from provenance
      where run_id = ${runId} and action = 'written' group by record_id, field having count(*) > 1`;
    expect(dupes).toEqual([]);
  });

  it('SIGTERM during an active job: the process exits before its deadline and the run still completes', async () => {
    const redis = await ownRedis();
    const { h, files } = await harness(6);
    const prefix = uniquePrefix();
    const env = {
      ...h.env,
      REDIS_URL: redis.url,
      SCOUT_QUEUE_PREFIX: prefix,
      SCOUT_REPLAY_FILE: files.replayPath,
      LIVE_WRITES: '1',
      SCOUT_SHUTDOWN_SECONDS: '8',
      SCOUT_WORKER_CONCURRENCY: '2',
      TEST_EXTRACT_DELAY_MS: '1500',
    };
    const proc = spawnTs('./worker-child.ts', env);
    cleanups.push(async () => void proc.child.kill('SIGKILL'));
    await proc.ready;
    const producer = await createBullJobs({
      redisUrl: redis.url,
      prefix,
      logger: quiet,
      dealConcurrency: 1,
    });
    cleanups.push(async () => void (await producer.close(1_000)));
    const runId = randomUUID();
    await producer.add('runs', [{ id: `run-${runId}`, data: { runId, apply: true } }]);
    await until(async () => {
      const [r] = await h.database
        .sql`select count(*)::int as n from run_deals where run_id = ${runId}`;
      return (r?.n ?? 0) === 6;
    }, 'the fan-out');
    await new Promise((r) => setTimeout(r, 300));
    const atSigterm = await settledDeals(h, runId);
    const started = Date.now();
    proc.child.kill('SIGTERM');
    const code = await proc.exited;
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(proc.messages.find((m) => m.type === 'stopped')?.drained).toBe(true);
    // Jobs were running at SIGTERM (each takes 1.5 s), and the process let them finish.
    expect(await settledDeals(h, runId)).toBeGreaterThan(atSigterm);
    // The jobs it finished stay settled; another worker completes the rest.
    const worker = await startTestWorker({
      database: h.database,
      replayPath: files.replayPath,
      redisUrl: redis.url,
      prefix,
      liveWrites: '1',
    });
    cleanups.push(async () => void (await worker.runtime.stop(2_000)));
    await until(async () => {
      const [r] = await h.database.sql`select status from runs where id = ${runId}`;
      return r?.status === 'completed';
    }, 'the run to complete');
    const [run] = await h.database.sql`select * from runs where id = ${runId}`;
    expect(run?.scanned).toBe(6);
    const perDeal = await h.database.sql`
      select record_id, field, count(*)::int as n from provenance
      where run_id = ${runId} group by record_id, field having count(*) > 1`;
    expect(perDeal).toEqual([]);
  });

  it('SIGTERM with a job slower than the deadline: the process exits at the deadline, not drained, and another worker finishes the job once', async () => {
    const redis = await ownRedis();
    const { h, files } = await harness(1);
    const prefix = uniquePrefix();
    const proc = spawnTs('./worker-child.ts', {
      ...h.env,
      REDIS_URL: redis.url,
      SCOUT_QUEUE_PREFIX: prefix,
      SCOUT_REPLAY_FILE: files.replayPath,
      LIVE_WRITES: '1',
      SCOUT_SHUTDOWN_SECONDS: '0.5',
      // A lock that lapses soon after the process is gone, so the job is retried quickly.
      SCOUT_JOB_LOCK_SECONDS: '1',
      TEST_EXTRACT_DELAY_MS: '60000',
    });
    cleanups.push(async () => void proc.child.kill('SIGKILL'));
    const childWrites: string[] = [];
    proc.onMessage((m) => {
      if (m.type === 'written') childWrites.push(...(m.writes as string[]));
    });
    await proc.ready;
    const runId = randomUUID();
    const runs = new Queue('runs', { connection: redis.client(), prefix });
    const deals = new Queue('deals', { connection: redis.client(), prefix });
    cleanups.push(() => runs.close());
    cleanups.push(() => deals.close());
    await runs.add('runs', { runId, apply: true }, { jobId: `run-${runId}` });
    await until(async () => (await deals.getActiveCount()) === 1, 'the deal job running');

    proc.child.kill('SIGTERM');
    const ended = await settlesWithin(
      proc.exited.then(() => 'exited' as const),
      30_000,
    );
    expect(ended).toBe('exited');
    expect(proc.messages.find((m) => m.type === 'stopped')?.drained).toBe(false);
    // Cut off mid-extraction: nothing written, the deal still queued.
    expect(childWrites).toEqual([]);
    expect(await settledDeals(h, runId)).toBe(0);

    const { crm, writes } = tallyingCrm(createLocalCrm(h.database.db));
    let extractions = 0;
    const worker = await startTestWorker({
      database: h.database,
      replayPath: files.replayPath,
      redisUrl: redis.url,
      prefix,
      liveWrites: '1',
      crm,
      lockMs: 1_000,
      extractor: (inner) => ({
        model: inner.model,
        extract: async (request) => {
          extractions += 1;
          return inner.extract(request);
        },
      }),
    });
    cleanups.push(async () => void (await worker.runtime.stop(2_000)));
    await until(async () => {
      const [r] = await h.database.sql`select status from runs where id = ${runId}`;
      return r?.status === 'completed';
    }, 'the run to complete');
    // A second, duplicate delivery would be queued or running until the queues are idle.
    await worker.runtime.tick();
    await worker.runtime.idle();
    expect(extractions).toBe(1);
    expect(writes.size).toBeGreaterThan(0);
    for (const [key, n] of writes) expect(n, key).toBe(1);
    const [run] = await h.database.sql`select scanned, deal_counts from runs where id = ${runId}`;
    expect(run?.scanned).toBe(1);
    expect(run?.deal_counts).toEqual({ extracted: 1, no_new_notes: 0, failed: 0 });
  });

  it('the shutdown deadline holds while Redis is down: close cuts the running job off and returns', async () => {
    const redis = await ownRedis();
    const jobs = await createBullJobs({
      redisUrl: redis.url,
      prefix: uniquePrefix(),
      logger: quiet,
      dealConcurrency: 1,
    });
    let running = false;
    let release = () => {};
    cleanups.push(async () => release());
    jobs.work({
      ops: {
        run: () =>
          new Promise<void>((resolve) => {
            running = true;
            release = resolve;
          }),
      },
    });
    await jobs.add('ops', [{ id: 'slow', data: {} }]);
    await until(() => running, 'the job running');
    await redis.stop();
    const closed = jobs.close(300).then(({ drained }) => (drained ? 'drained' : 'cut off'));
    expect(await settlesWithin(closed, 10_000)).toBe('cut off');
  });

  it('Redis down: producers fail fast, an approval waits in the outbox and is applied exactly once when Redis is back', async () => {
    const redis = await ownRedis();
    const { h, files } = await harness(2);
    const { crm, writes } = tallyingCrm(createLocalCrm(h.database.db));
    const worker = await startTestWorker({
      database: h.database,
      replayPath: files.replayPath,
      redisUrl: redis.url,
      liveWrites: '1',
      crm,
    });
    cleanups.push(async () => void (await worker.runtime.stop(2_000)));
    const id = await insertProposal(h.database, {
      dealId: 'd0',
      field: 'next_step',
      newValue: 'Send the MSA',
    });

    await redis.stop();
    // The click during the outage: the decision and its outbox row commit all the same.
    const version = await approveProposal(h.database, id);
    const [row] = await h.database
      .sql`select relayed_at from outbox where job_id = ${applyJobId(id, version)}`;
    expect(row).toBeDefined();
    // A producer rejects at once instead of queueing the command until Redis returns.
    const added = worker.jobs
      .add('applies', [{ id: applyJobId(id, version), data: { proposalId: id, version } }])
      .then(
        () => 'added' as const,
        () => 'rejected' as const,
      );
    expect(await settlesWithin(added, 10_000)).toBe('rejected');
    // Relay and reconciler passes go by; the approval waits in Postgres.
    await new Promise((r) => setTimeout(r, 500));
    const [waiting] = await h.database
      .sql`select relayed_at from outbox where job_id = ${applyJobId(id, version)}`;
    expect(waiting?.relayed_at).toBeNull();
    const [pending] = await h.database.sql`select status from proposals where id = ${id}`;
    expect(pending?.status).toBe('approved');

    await redis.start();
    await until(async () => {
      const [p] = await h.database.sql`select status from proposals where id = ${id}`;
      return p?.status === 'applied';
    }, 'the approval applied after the outage');
    await worker.runtime.tick();
    await worker.runtime.idle();
    expect(Object.fromEntries(writes)).toEqual({ 'd0/next_step': 1 });
    expect((await appliedRows(h, [id])).get(id)).toBe(1);
  });
});
