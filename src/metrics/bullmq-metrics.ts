import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { Gauge, Registry } from 'prom-client';
import type { Logger } from '../logger.js';
import { QUEUE_NAMES } from '../services/ports/job-data.js';

/** Every state BullMQ counts; a fixed list, so the label set stays bounded. */
export const BULLMQ_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
] as const;

export interface BullmqMetrics {
  readonly registry: Registry;
  close(): Promise<void>;
}

/**
 * BullMQ's own job counts per queue and state, read from Redis at scrape time. Postgres
 * stays the truth Scout reconciles from (`scout_queue_depth`); these show what Redis holds:
 * a growing `failed` or a `waiting` no worker drains. A Redis that does not answer leaves
 * the gauge empty rather than failing the scrape, so the Postgres gauges still arrive.
 */
export function bullmqMetrics(options: {
  readonly redisUrl: string;
  readonly prefix: string;
  readonly logger: Logger;
}): BullmqMetrics {
  const log = options.logger.child({ component: 'metrics' });
  // One reconnect attempt per command: a scrape while Redis is down fails fast.
  const connection = new Redis(options.redisUrl, {
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
  });
  connection.on('error', (error) => log.debug({ err: error.message }, 'redis metrics error'));
  const queues = QUEUE_NAMES.map(
    (name) => new Queue(name, { connection, prefix: options.prefix, skipWaitingForReady: true }),
  );
  for (const q of queues) q.on('error', () => {});
  const registry = new Registry();
  new Gauge({
    name: 'scout_bullmq_jobs',
    help: 'Jobs BullMQ holds in Redis, by queue (runs, deals, applies, ops) and state; completed and failed jobs are kept a day and a week',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      try {
        const counts = await Promise.all(queues.map((q) => q.getJobCounts(...BULLMQ_STATES)));
        this.reset();
        for (const [i, q] of queues.entries())
          for (const state of BULLMQ_STATES)
            this.set({ queue: q.name, state }, counts[i]?.[state] ?? 0);
      } catch (error) {
        this.reset();
        log.warn({ err: (error as Error).message }, 'reading BullMQ job counts failed');
      }
    },
  });
  return {
    registry,
    async close() {
      await Promise.all(queues.map((q) => q.close()));
      connection.disconnect();
    },
  };
}
