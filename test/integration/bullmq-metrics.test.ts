import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app-context.js';
import { startServe } from '../../src/cli/serve-command.js';
import { startWorker } from '../../src/cli/worker-command.js';
import { type Config, loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { BULLMQ_STATES, bullmqMetrics } from '../../src/metrics/bullmq-metrics.js';
import { metricsEndpoint } from '../../src/metrics/metrics-endpoint.js';
import { parseMetrics, type Sample, sampleValue } from '../support/prometheus.js';
import { freePort, startOwnRedis } from '../support/redis-server.js';
import { createHarness, type ScoutHarness } from '../support/scout-env.js';
import { uniquePrefix, until } from '../support/worker-harness.js';

const SHARED_REDIS = 'redis://127.0.0.1:6379';

describe('scout_bullmq_jobs: BullMQ job counts on /metrics (shared Redis, own key prefix)', () => {
  let h: ScoutHarness;
  let prefix: string;
  let redis: Redis;
  const cleanups: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    h = await createHarness();
    prefix = uniquePrefix();
    redis = new Redis(SHARED_REDIS, { maxRetriesPerRequest: null });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await h.database.destroy();
  });

  const queue = (name: string) => {
    const q = new Queue(name, { connection: redis, prefix });
    cleanups.push(() => q.close());
    return q;
  };
  const config = (env: Record<string, string>) =>
    loadConfig({
      ...h.env,
      LOG_LEVEL: 'silent',
      REDIS_URL: SHARED_REDIS,
      SCOUT_QUEUE_PREFIX: prefix,
      ...env,
    });
  const serve = async (cfg: Config) => {
    const app = await openApp(cfg, createLogger('silent'));
    // PORT 1 only passes validation; listen on any free port instead.
    const serving = await startServe({ ...app, config: { ...cfg, PORT: 0 } });
    cleanups.push(async () => {
      await serving.stop();
      await app.close();
    });
    return serving;
  };
  const scrape = async (port: number): Promise<Sample[]> => {
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(res.status).toBe(200);
    return parseMetrics(await res.text());
  };
  const jobCounts = (samples: readonly Sample[], queueName: string) =>
    Object.fromEntries(
      BULLMQ_STATES.map((state) => [
        state,
        sampleValue(samples, 'scout_bullmq_jobs', { queue: queueName, state }),
      ]),
    );

  it('serve reports each queue by state, with the values Redis holds and nothing else', async () => {
    // Applies: one completes, one fails for good; deals: two wait and one is delayed.
    const applies = queue('applies');
    const consumer = new Worker(
      'applies',
      async (job) => {
        if (job.data.fail) throw new Error('no');
      },
      { connection: new Redis(SHARED_REDIS, { maxRetriesPerRequest: null }), prefix },
    );
    await applies.add('applies', { fail: false }, { jobId: 'ok' });
    await applies.add('applies', { fail: true }, { jobId: 'bad', attempts: 1 });
    await until(
      async () => (await applies.getJobCounts('completed', 'failed')).failed === 1,
      'the applies settle',
    );
    await consumer.close();
    await consumer.disconnect();
    const deals = queue('deals');
    await deals.addBulk([
      { name: 'deals', data: {}, opts: { jobId: 'a' } },
      { name: 'deals', data: {}, opts: { jobId: 'b' } },
      { name: 'deals', data: {}, opts: { jobId: 'c', delay: 3_600_000 } },
    ]);

    const serving = await serve(config({ PORT: '1' }));

    const samples = await scrape(serving.server.port);
    const zero = Object.fromEntries(BULLMQ_STATES.map((s) => [s, 0]));
    expect(jobCounts(samples, 'applies')).toEqual({ ...zero, completed: 1, failed: 1 });
    expect(jobCounts(samples, 'deals')).toEqual({ ...zero, waiting: 2, delayed: 1 });
    expect(jobCounts(samples, 'runs')).toEqual(zero);
    expect(jobCounts(samples, 'ops')).toEqual(zero);
    expect(jobCounts(samples, 'cards')).toEqual(zero);
    // Bounded labels: the five queues by the seven states, never a job id.
    const bull = samples.filter((x) => x.name === 'scout_bullmq_jobs');
    expect(bull).toHaveLength(5 * BULLMQ_STATES.length);
    for (const x of bull) expect(Object.keys(x.labels).sort()).toEqual(['queue', 'state']);
    // The Postgres gauges are still there beside them.
    expect(sampleValue(samples, 'scout_queue_depth', { queue: 'outbox' })).toBe(0);

    // A second scrape reads Redis again: what changed since shows.
    await deals.remove('a');
    expect(jobCounts(await scrape(serving.server.port), 'deals')).toMatchObject({ waiting: 1 });
  });

  it("the worker's METRICS_PORT reports them too, and nothing without REDIS_URL", async () => {
    const cfg = config({ METRICS_PORT: String(await freePort()) });
    const app = await openApp(cfg, createLogger('silent'));
    const worker = await startWorker(app);
    cleanups.push(async () => {
      await worker.runtime.stop(2_000);
      await worker.metricsServer?.close();
      await app.close();
    });
    const port = worker.metricsServer?.port;
    if (!port) throw new Error('the worker serves METRICS_PORT');
    // The worker registers its heartbeat schedule: its next run waits, delayed, in `ops`.
    await until(
      async () =>
        (sampleValue(await scrape(port), 'scout_bullmq_jobs', { queue: 'ops', state: 'delayed' }) ??
          0) >= 1,
      'the heartbeat schedule',
    );

    const serving = await serve(loadConfig({ ...h.env, LOG_LEVEL: 'silent', PORT: '1' }));
    const samples = await scrape(serving.server.port);
    expect(samples.some((x) => x.name === 'scout_bullmq_jobs')).toBe(false);
    expect(sampleValue(samples, 'scout_model_tokens', { type: 'input' })).toBe(0);
  });

  it('a Redis that does not answer leaves the job counts out; the Postgres gauges still arrive', async () => {
    const own = await startOwnRedis();
    cleanups.push(() => own.stop());
    const bullmq = bullmqMetrics({ redisUrl: own.url, prefix, logger: createLogger('silent') });
    cleanups.push(() => bullmq.close());
    const read = metricsEndpoint(h.database.db, [bullmq.registry]);
    const counted = async () => parseMetrics((await read()).body);
    expect(
      sampleValue(await counted(), 'scout_bullmq_jobs', { queue: 'runs', state: 'waiting' }),
    ).toBe(0);

    await own.stop();
    const t0 = Date.now();
    const samples = await counted();
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(samples.some((x) => x.name === 'scout_bullmq_jobs')).toBe(false);
    expect(sampleValue(samples, 'scout_model_tokens', { type: 'input' })).toBe(0);
  });
});
