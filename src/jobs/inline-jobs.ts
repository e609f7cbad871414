import { CronExpressionParser } from 'cron-parser';
import pLimit from 'p-limit';
import type { Logger } from '../logger.js';
import { JOB_SCHEMAS, type QueueName } from '../services/ports/job-data.js';
import type {
  JobHandler,
  JobHandlers,
  JobSpec,
  JobSystem,
  Schedule,
} from '../services/ports/job-system.js';
import { HEARTBEAT_SCHEDULE, SCHEDULE_PREFIX } from './scheduler-keys.js';

export interface InlineJobsOptions {
  readonly logger: Logger;
  readonly dealConcurrency: number;
  /** Apply jobs in flight at once (default 4), as SCOUT_APPLY_CONCURRENCY sets it for BullMQ. */
  readonly applyConcurrency?: number;
  /** Waits between attempts; tests shorten them. */
  readonly retryDelayMs?: number;
}

const ATTEMPTS: Record<QueueName, number> = { runs: 5, deals: 3, applies: 8, cards: 1, ops: 1 };

/**
 * The embedded runner: the same handlers, schemas, retries and schedules as BullMQ,
 * in this process and in memory. For `scout demo` and single-process trials; work
 * queued here dies with the process, which the Postgres outbox and reconciler cover.
 */
export function createInlineJobs(options: InlineJobsOptions): JobSystem {
  const log = options.logger.child({ component: 'jobs', mode: 'inline' });
  log.info('no REDIS_URL: running jobs inline in this process (embedded mode)');
  let handlers: JobHandlers = {};
  let closing = false;
  const known = new Set<string>();
  const running = new Set<Promise<void>>();
  const waiting: Array<{ queue: QueueName; spec: JobSpec<QueueName> }> = [];
  const limits: Record<QueueName, ReturnType<typeof pLimit>> = {
    runs: pLimit(1),
    deals: pLimit(options.dealConcurrency),
    applies: pLimit(options.applyConcurrency ?? 4),
    cards: pLimit(8),
    ops: pLimit(1),
  };
  const timers = new Map<string, NodeJS.Timeout>();
  let registered: string[] = [];
  const delay = options.retryDelayMs ?? 1000;

  const execute = (queue: QueueName, spec: JobSpec<QueueName>) => {
    const key = `${queue}/${spec.id}`;
    const handler = handlers[queue] as JobHandler<QueueName> | undefined;
    if (!handler) {
      waiting.push({ queue, spec });
      return;
    }
    const task = limits[queue](async () => {
      const parsed = JOB_SCHEMAS[queue].safeParse(spec.data);
      if (!parsed.success) {
        await handler.failed?.(spec.data, new Error(`invalid ${queue} job data`), {
          id: spec.id,
          attemptsMade: 0,
        });
        return;
      }
      for (let attempt = 0; ; attempt++) {
        try {
          await handler.run(parsed.data as never, { id: spec.id, attemptsMade: attempt });
          return;
        } catch (error) {
          const final = attempt + 1 >= ATTEMPTS[queue] || closing;
          log.warn(
            { queue, job_id: spec.id, attempt, final, err: (error as Error).message },
            final ? 'job failed for good' : 'job failed; it will be retried',
          );
          if (final) {
            await handler.failed?.(spec.data, error as Error, {
              id: spec.id,
              attemptsMade: attempt + 1,
            });
            return;
          }
          await new Promise((r) => setTimeout(r, delay * 2 ** attempt));
        }
      }
    })
      .catch((error: unknown) =>
        log.error(
          { queue, job_id: spec.id, err: (error as Error).message },
          'failure handler failed',
        ),
      )
      .finally(() => {
        known.delete(key);
        running.delete(task);
      });
    running.add(task);
  };

  const arm = (id: string, cron: string, tz: string, fire: () => void) => {
    const next = CronExpressionParser.parse(cron, { tz }).next().getTime();
    const timer = setTimeout(
      () => {
        fire();
        if (!closing) arm(id, cron, tz, fire);
      },
      Math.max(0, next - Date.now()),
    );
    timer.unref();
    timers.set(id, timer);
  };

  const add = async <Q extends QueueName>(queue: Q, jobs: readonly JobSpec<Q>[]) => {
    if (closing) throw new Error('the job runner is shutting down');
    for (const spec of jobs) {
      const key = `${queue}/${spec.id}`;
      if (known.has(key)) continue;
      known.add(key);
      execute(queue, spec as unknown as JobSpec<QueueName>);
    }
  };

  return {
    mode: 'inline',
    add,
    // A job is forgotten once it ends, failed or not: adding it again runs it again.
    requeue: add,

    work(next) {
      handlers = next;
      for (const w of waiting.splice(0)) execute(w.queue, w.spec);
    },

    async upsertSchedules(schedules: readonly Schedule[], heartbeatEveryMs) {
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      for (const s of schedules) {
        arm(s.id, s.cron, s.timezone, () => {
          const at = Date.now();
          void add('runs', [
            {
              id: `${SCHEDULE_PREFIX}${s.id}-${at}`,
              data: {
                scheduleId: s.id,
                apply: s.apply,
                ...(s.dealIds ? { dealIds: [...s.dealIds] } : {}),
                ...(s.limit !== undefined ? { limit: s.limit } : {}),
              },
            },
          ]);
        });
      }
      const beat = setInterval(() => {
        void add('ops', [{ id: `heartbeat-${Date.now()}`, data: {} }]).catch(() => undefined);
      }, heartbeatEveryMs);
      beat.unref();
      timers.set(HEARTBEAT_SCHEDULE, beat);
      registered = [
        ...schedules.map((s) => `${SCHEDULE_PREFIX}${s.id}`),
        HEARTBEAT_SCHEDULE,
      ].sort();
    },

    async schedulerKeys() {
      return registered;
    },

    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },

    async close(deadlineMs = 30_000) {
      closing = true;
      for (const t of timers.values()) clearTimeout(t);
      const all = Promise.all([...running]).then(() => true);
      const drained = await Promise.race([
        all,
        new Promise<boolean>((r) => setTimeout(() => r(false), deadlineMs).unref()),
      ]);
      return { drained };
    },
  };
}
