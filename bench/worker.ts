// The worker through BullMQ: one run over N deals with an extractor of fixed latency,
// on one and on two worker processes, against a private redis-server (so its memory
// peak is the run's own). Wall time is compared with the ideal: deals × latency ÷
// (concurrency × processes).
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import type postgres from 'postgres';
import { openDatabase } from '../src/db/client.js';
import { createBullJobs } from '../src/jobs/bullmq-jobs.js';
import { startOwnRedis } from '../test/support/redis-server.js';
import { spawnTs } from '../test/support/spawn-worker.js';
import { cpuSeconds } from './cpu-seconds.js';
import { generatePipeline } from './generate.js';
import { seededDatabase } from './seeded-database.js';
import { printTable } from './table.js';

const DEALS = Number(process.env.BENCH_WORKER_DEALS ?? 10_000);
const LATENCY_MS = 200;
const CONCURRENCY = 20;
const cpus = availableParallelism();

export async function benchWorker(): Promise<void> {
  const rows: string[][] = [];
  const dir = mkdtempSync(join(tmpdir(), 'scout-bench-worker-'));
  const { seed, replay } = generatePipeline(DEALS, 2);
  const seedPath = join(dir, 'seed.json');
  const replayPath = join(dir, 'replay.json');
  writeFileSync(seedPath, JSON.stringify(seed));
  writeFileSync(replayPath, JSON.stringify(replay));
  for (const processes of [1, 2]) {
    const { url, drop } = await seededDatabase(
      `scout_bench_worker_${process.pid}_${processes}`,
      seedPath,
    );
    const redis = await startOwnRedis();
    const db = openDatabase(url);
    try {
      const prefix = `bench${processes}`;
      const env = {
        DATABASE_URL: url,
        REDIS_URL: redis.url,
        SCOUT_QUEUE_PREFIX: prefix,
        SCOUT_EXTRACTOR: 'replay',
        SCOUT_REPLAY_FILE: replayPath,
        SCOUT_WORKER_CONCURRENCY: String(CONCURRENCY),
        TEST_EXTRACT_DELAY_MS: String(LATENCY_MS),
        LIVE_WRITES: '1',
      };
      const workers = Array.from({ length: processes }, () => spawnTs('./worker-child.ts', env));
      await Promise.all(workers.map((w) => w.ready));
      const producer = await createBullJobs({
        redisUrl: redis.url,
        prefix,
        logger: pino({ level: 'silent' }),
        dealConcurrency: 1,
      });
      const probe = redis.client();
      const runId = randomUUID();
      const started = Date.now();
      await producer.add('runs', [{ id: `run-${runId}`, data: { runId, apply: true } }]);
      let peak = 0;
      for (;;) {
        const info = await probe.info('memory');
        peak = Math.max(peak, Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0));
        const [r] = await db.sql`select status from runs where id = ${runId}`;
        if (r?.status === 'completed') break;
        await new Promise((res) => setTimeout(res, 200));
      }
      const seconds = (Date.now() - started) / 1000;
      // A run whose deal jobs failed fast would look quick: only a clean run counts.
      const [bad] =
        await db.sql`select count(*)::int as n from run_deals where run_id = ${runId} and state <> 'extracted'`;
      if (bad?.n)
        throw new Error(`${bad.n} of ${DEALS} deals did not extract; the figures would be wrong`);
      const cpu = {
        workers: workers.reduce((sum, w) => sum + cpuSeconds(w.child.pid ?? 0), 0),
        redis: redisCpu(await probe.info('cpu')),
        postgres: await backendCpu(db.sql, url),
      };
      const ideal = (DEALS * LATENCY_MS) / 1000 / (CONCURRENCY * processes);
      rows.push([
        String(DEALS),
        String(processes),
        seconds.toFixed(1),
        ideal.toFixed(1),
        (seconds / ideal).toFixed(2),
        (peak / 1024 / 1024).toFixed(1),
        cpu.workers.toFixed(1),
        cpu.redis.toFixed(1),
        cpu.postgres.toFixed(1),
        ((cpu.workers + cpu.redis + cpu.postgres) / cpus).toFixed(1),
      ]);
      await producer.close(1_000);
      for (const w of workers) w.child.kill('SIGTERM');
      await Promise.all(workers.map((w) => w.exited));
      probe.disconnect();
    } finally {
      await db.close();
      await redis.stop();
      await drop();
    }
  }
  // Workers, Redis and Postgres share this machine's cores: when their CPU seconds over the
  // core count come near the wall time, the run is CPU-bound and more processes cannot help.
  console.log(
    `${cpus} cores; worker on BullMQ, local CRM, extractor latency ${LATENCY_MS} ms, concurrency ${CONCURRENCY} per process (target: ≤ 1.3× ideal, near-linear with 2)`,
  );
  printTable(
    [
      'deals',
      'processes',
      'seconds',
      'ideal s',
      '× ideal',
      'Redis peak MB',
      'CPU s workers',
      'CPU s Redis',
      'CPU s Postgres',
      'CPU floor s',
    ],
    rows,
  );
}

function redisCpu(info: string): number {
  const field = (name: string) =>
    Number(new RegExp(`^${name}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** CPU of the Postgres backends serving the bench database (the workers' pools are still open). */
async function backendCpu(sql: postgres.Sql, url: string): Promise<number> {
  const name = new URL(url).pathname.slice(1);
  const rows = await sql<
    { pid: number }[]
  >`select pid from pg_stat_activity where datname = ${name}`;
  return rows.reduce((sum, r) => sum + cpuSeconds(r.pid), 0);
}
