import { Registry } from 'prom-client';
import type { Config } from '../config.js';
import type { Db } from '../db/client.js';
import type { Logger } from '../logger.js';
import { bullmqMetrics } from './bullmq-metrics.js';
import { dbRegistry } from './db-metrics.js';
import { processRegistry } from './process-metrics.js';

export interface MetricsText {
  readonly contentType: string;
  readonly body: string;
}

/** What GET /metrics answers: this process's own counters, the gauges read from Postgres, and any others given. */
export function metricsEndpoint(
  db: Db,
  others: readonly Registry[] = [],
): () => Promise<MetricsText> {
  const registry = Registry.merge([processRegistry, dbRegistry(db), ...others]);
  return async () => ({ contentType: registry.contentType, body: await registry.metrics() });
}

/**
 * The /metrics of `serve` and of the worker's METRICS_PORT: with REDIS_URL, BullMQ's job
 * counts too. `close` releases the Redis connection those need.
 */
export function processMetrics(
  config: Pick<Config, 'REDIS_URL' | 'SCOUT_QUEUE_PREFIX'>,
  db: Db,
  logger: Logger,
): { read: () => Promise<MetricsText>; close(): Promise<void> } {
  const bullmq = config.REDIS_URL
    ? bullmqMetrics({ redisUrl: config.REDIS_URL, prefix: config.SCOUT_QUEUE_PREFIX, logger })
    : null;
  return {
    read: metricsEndpoint(db, bullmq ? [bullmq.registry] : []),
    close: async () => bullmq?.close(),
  };
}
