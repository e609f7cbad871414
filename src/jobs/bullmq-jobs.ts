import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../logger.js';
import { JOB_SCHEMAS, QUEUE_NAMES, type QueueName } from '../services/ports/job-data.js';
import type { JobHandler, JobHandlers, JobSystem } from '../services/ports/job-system.js';
import { checkRedis } from './redis-check.js';
import { HEARTBEAT_SCHEDULE, SCHEDULE_PREFIX } from './scheduler-keys.js';

export interface BullJobsOptions {
  readonly redisUrl: string;
  /** Namespaces every key: tests use one per test, deployments may share a Redis. */
  readonly prefix: string;
  readonly logger: Logger;
  /** Deal jobs in flight per process. */
  readonly dealConcurrency: number;
  /** Apply jobs in flight per process (default 4). */
  readonly applyConcurrency?: number;
  /** Global cap on deal jobs started per second, across every process (the CRM's API budget). */
  readonly dealsPerSecond?: number;
  /** How long a job's lock lasts without renewal; a process that dies frees its jobs after this. */
  readonly lockMs?: number;
  /** Attempts and first backoff of a queue's jobs, where not the defaults (tests cut them short). */
  readonly retries?: Partial<Record<QueueName, Retries>>;
}

interface Retries {
  readonly attempts: number;
  readonly backoffMs: number;
}

const IDLE_POLL_MS = 50;

/** True when no queue holds work; a scheduler's next occurrence (a delayed repeat) is not work. */
async function queuesIdle(
  queue: (name: QueueName) => Queue,
  names: readonly QueueName[],
): Promise<boolean> {
  for (const name of names) {
    const counts = await queue(name).getJobCounts(
      'active',
      'waiting',
      'prioritized',
      'waiting-children',
      'delayed',
    );
    const { delayed = 0, ...rest } = counts;
    if (Object.values(rest).some((n) => n > 0)) return false;
    if (delayed > 0) {
      const jobs = await queue(name).getDelayed(0, delayed);
      if (jobs.some((job) => !job.repeatJobKey)) return false;
    }
  }
  return true;
}

/** Card redraws a process runs at once: mostly waiting on Slack's Tier 3 budget. */
const CARD_REDRAWS_AT_ONCE = 8;

/** Ids looked up in Redis at once when requeueing. */
const REQUEUE_CHUNK = 1_000;

const JOB_OPTIONS: Record<QueueName, Retries> = {
  runs: { attempts: 5, backoffMs: 5_000 },
  deals: { attempts: 3, backoffMs: 2_000 },
  applies: { attempts: 8, backoffMs: 1_000 },
  // One try: Slack's client has retried already, and the draw is claimed (redraw-card.ts).
  cards: { attempts: 1, backoffMs: 1_000 },
  ops: { attempts: 1, backoffMs: 1_000 },
};

/**
 * BullMQ over Redis. Producers fail fast while Redis is down (no offline queue: the
 * caller's outbox keeps the work); workers reconnect on their own. Refuses a Redis
 * that may evict keys, since an evicted job is a lost approval.
 */
export async function createBullJobs(options: BullJobsOptions): Promise<JobSystem> {
  const log = options.logger.child({ component: 'jobs' });
  const producer = new Redis(options.redisUrl, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    lazyConnect: true,
    connectTimeout: 5_000,
  });
  producer.on('error', (error) => log.debug({ err: error.message }, 'redis producer error'));
  try {
    await producer.connect();
    await checkRedis(producer);
  } catch (error) {
    producer.disconnect();
    throw error;
  }
  const queues = new Map(
    QUEUE_NAMES.map((name) => {
      const retries = options.retries?.[name] ?? JOB_OPTIONS[name];
      return [
        name,
        new Queue(name, {
          connection: producer,
          prefix: options.prefix,
          skipWaitingForReady: true,
          defaultJobOptions: {
            attempts: retries.attempts,
            backoff: { type: 'exponential', delay: retries.backoffMs },
            removeOnComplete: { age: 24 * 3600, count: 20_000 },
            removeOnFail: { age: 7 * 24 * 3600 },
          },
        }),
      ] as const;
    }),
  );
  const queue = (name: QueueName) => queues.get(name) as Queue;
  // The producer's own listener logs these; without one, BullMQ prints each to stderr.
  for (const q of queues.values()) q.on('error', () => {});
  const workers: Worker[] = [];
  const workerConnections: Redis[] = [];

  const add: JobSystem['add'] = async (name, jobs) => {
    if (jobs.length === 0) return;
    await queue(name).addBulk(jobs.map((j) => ({ name, data: j.data, opts: { jobId: j.id } })));
  };

  return {
    mode: 'bullmq',
    add,

    async requeue(name, jobs, failedBefore) {
      // BullMQ ignores an add whose id it still holds, failed jobs included (kept for days).
      const failedKey = queue(name).toKey('failed');
      for (let i = 0; i < jobs.length; i += REQUEUE_CHUNK) {
        const ids = jobs.slice(i, i + REQUEUE_CHUNK).map((j) => j.id);
        const answers = await producer.pipeline(ids.map((id) => ['zscore', failedKey, id])).exec();
        const failed: string[] = [];
        for (const [k, id] of ids.entries()) {
          const [error, score] = answers?.[k] ?? [new Error('no answer from Redis'), null];
          if (error) throw error;
          // A failed job's score is when it failed.
          if (score !== null && Number(score) < failedBefore.getTime()) failed.push(id);
        }
        for (const id of failed) await queue(name).remove(id);
        if (failed.length > 0)
          log.warn(
            { queue: name, job_ids: failed },
            'replacing jobs that failed for good while their work is still undone',
          );
      }
      await add(name, jobs);
    },

    work(handlers: JobHandlers) {
      for (const name of QUEUE_NAMES) {
        const handler = handlers[name] as JobHandler<typeof name> | undefined;
        if (!handler) continue;
        const connection = new Redis(options.redisUrl, { maxRetriesPerRequest: null });
        connection.on('error', (error) => log.debug({ err: error.message }, 'redis worker error'));
        workerConnections.push(connection);
        const lockMs = options.lockMs ?? 30_000;
        const worker = new Worker(
          name,
          async (job: Job) => {
            const parsed = JOB_SCHEMAS[name].safeParse(job.data);
            if (!parsed.success) {
              throw new UnrecoverableError(
                `invalid ${name} job data: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
              );
            }
            await handler.run(parsed.data as never, {
              id: job.id ?? '',
              attemptsMade: job.attemptsMade,
            });
          },
          {
            connection,
            prefix: options.prefix,
            concurrency:
              name === 'deals'
                ? options.dealConcurrency
                : name === 'applies'
                  ? (options.applyConcurrency ?? 4)
                  : name === 'cards'
                    ? CARD_REDRAWS_AT_ONCE
                    : 1,
            lockDuration: lockMs,
            stalledInterval: Math.max(100, Math.floor(lockMs / 2)),
            // Applies check the database before writing, so a stalled one is safe to rerun;
            // the limit only stops a job that keeps killing its worker.
            maxStalledCount: name === 'applies' ? 5 : 2,
            ...(name === 'deals' && options.dealsPerSecond
              ? { limiter: { max: options.dealsPerSecond, duration: 1000 } }
              : {}),
          },
        );
        worker.on('failed', (job, error) => {
          if (!job) return;
          const final =
            error instanceof UnrecoverableError ||
            error.name === 'UnrecoverableError' ||
            job.attemptsMade >= (job.opts.attempts ?? 1);
          log.warn(
            { queue: name, job_id: job.id, attempt: job.attemptsMade, final, err: error.message },
            final ? 'job failed for good' : 'job failed; it will be retried',
          );
          if (final && handler.failed) {
            handler
              .failed(job.data, error, { id: job.id ?? '', attemptsMade: job.attemptsMade })
              .catch((e: unknown) =>
                log.error(
                  { queue: name, job_id: job.id, err: (e as Error).message },
                  'failure handler failed',
                ),
              );
          }
        });
        worker.on('stalled', (id) =>
          log.warn({ queue: name, job_id: id }, 'job stalled; retrying'),
        );
        worker.on('error', (error) =>
          log.error({ queue: name, err: error.message }, 'worker error'),
        );
        workers.push(worker);
      }
    },

    async upsertSchedules(schedules, heartbeatEveryMs) {
      const runs = queue('runs');
      for (const s of schedules) {
        await runs.upsertJobScheduler(
          `${SCHEDULE_PREFIX}${s.id}`,
          { pattern: s.cron, tz: s.timezone },
          {
            name: 'runs',
            data: {
              scheduleId: s.id,
              apply: s.apply,
              ...(s.dealIds ? { dealIds: [...s.dealIds] } : {}),
              ...(s.limit !== undefined ? { limit: s.limit } : {}),
            },
          },
        );
      }
      const wanted = new Set(schedules.map((s) => `${SCHEDULE_PREFIX}${s.id}`));
      for (const existing of await runs.getJobSchedulers(0, -1)) {
        if (existing.key.startsWith(SCHEDULE_PREFIX) && !wanted.has(existing.key)) {
          await runs.removeJobScheduler(existing.key);
          log.info({ schedule: existing.key }, 'removed a schedule no longer configured');
        }
      }
      await queue('ops').upsertJobScheduler(
        HEARTBEAT_SCHEDULE,
        { every: heartbeatEveryMs },
        { name: 'ops', data: {}, opts: { removeOnComplete: true, removeOnFail: 100 } },
      );
    },

    async schedulerKeys() {
      const [runs, ops] = await Promise.all([
        queue('runs').getJobSchedulers(0, -1),
        queue('ops').getJobSchedulers(0, -1),
      ]);
      return [...runs, ...ops].map((s) => s.key).sort();
    },

    async idle(names = QUEUE_NAMES) {
      // BullMQ has no "drained" event across processes: poll the counts until two in a row
      // show no work, so a job handed from one queue to another in between is not missed.
      for (let quiet = 0; quiet < 2; ) {
        quiet = (await queuesIdle(queue, names)) ? quiet + 1 : 0;
        await new Promise((r) => setTimeout(r, IDLE_POLL_MS));
      }
    },

    async close(deadlineMs = 30_000) {
      const graceful = Promise.all(workers.map((w) => w.close()));
      // Settles after the process has moved on when the deadline cuts the jobs off.
      graceful.catch(() => undefined);
      const drained = await Promise.race([
        graceful.then(() => true),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(false), deadlineMs).unref()),
      ]);
      if (!drained) {
        log.warn(
          { deadline_ms: deadlineMs },
          'jobs still running at the shutdown deadline; they will be retried',
        );
        // Not close(true): once close() has begun, BullMQ answers it with the same wait for
        // the running jobs. Cutting the connections stops their lock renewals instead, so
        // the locks lapse and another worker retries the jobs. A connection to a Redis that
        // is down never confirms it closed, hence the bound.
        const cut = Promise.all(workers.map((w) => w.disconnect().catch(() => undefined)));
        await Promise.race([cut, new Promise((r) => setTimeout(r, 1_000).unref())]);
      }
      await Promise.all([...queues.values()].map((q) => q.close()));
      for (const c of workerConnections) c.disconnect();
      producer.disconnect();
      return { drained };
    },
  };
}
