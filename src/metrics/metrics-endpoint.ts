import { Registry } from 'prom-client';
import type { Db } from '../db/client.js';
import { dbRegistry } from './db-metrics.js';
import { processRegistry } from './process-metrics.js';

export interface MetricsText {
  readonly contentType: string;
  readonly body: string;
}

/** What GET /metrics answers: this process's own counters and the gauges read from Postgres. */
export function metricsEndpoint(db: Db): () => Promise<MetricsText> {
  const registry = Registry.merge([processRegistry, dbRegistry(db)]);
  return async () => ({ contentType: registry.contentType, body: await registry.metrics() });
}
