import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import type { MetricsText } from '../metrics/metrics-endpoint.js';
import { observeSlackAck } from '../metrics/process-metrics.js';

export interface HealthCheck {
  readonly name: string;
  check(): Promise<void>;
}

export interface RunningServer {
  readonly port: number;
  close(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2000;

/**
 * The HTTP surface of `scout serve` (and the worker's METRICS_PORT): `/slack/events` for the Slack app, `/metrics` for
 * Prometheus, and `/healthz`, which answers 200 only when every dependency
 * answers within two seconds, 503 naming the ones that did not.
 */
export async function startHealthServer(options: {
  port: number;
  host?: string;
  checks: readonly HealthCheck[];
  logger: Logger;
  /** The Slack app's handler for POST /slack/events, when Slack is configured. */
  slack?: (req: IncomingMessage, res: ServerResponse) => void;
  /** Prometheus metrics for GET /metrics (docs/guarantees.md#g27). */
  metrics?: () => Promise<MetricsText>;
  /** Other routes (the dashboard): true when the handler answered the request. */
  routes?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
}): Promise<RunningServer> {
  const server: Server = createServer(async (req, res) => {
    const path = req.url?.split('?')[0];
    if (options.slack && path === '/slack/events') {
      const started = performance.now();
      res.once('finish', () => observeSlackAck((performance.now() - started) / 1000));
      options.slack(req, res);
      return;
    }
    if (options.metrics && req.method === 'GET' && path === '/metrics') {
      try {
        const { contentType, body } = await options.metrics();
        res.writeHead(200, { 'content-type': contentType });
        res.end(body);
      } catch (error) {
        options.logger.warn({ err: (error as Error).message }, 'collecting metrics failed');
        res.writeHead(503, { 'content-type': 'text/plain' });
        res.end('metrics unavailable: the database did not answer\n');
      }
      return;
    }
    if (options.routes && (await options.routes(req, res))) return;
    if (req.method === 'GET' && (req.url === '/healthz' || req.url === '/healthz/')) {
      const results = await Promise.all(options.checks.map((c) => runCheck(c)));
      const failed = results.filter((r) => r.error !== null);
      res.writeHead(failed.length === 0 ? 200 : 503, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          status: failed.length === 0 ? 'ok' : 'unavailable',
          checks: Object.fromEntries(results.map((r) => [r.name, r.error ?? 'ok'])),
        }),
      );
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: 'not_found' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '0.0.0.0', resolve);
  });
  const port = (server.address() as AddressInfo).port;
  options.logger.info({ port }, 'listening');
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function runCheck(check: HealthCheck): Promise<{ name: string; error: string | null }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      check.check(),
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { name: check.name, error: null };
  } catch (error) {
    return { name: check.name, error: error instanceof Error ? error.message : String(error) };
  } finally {
    clearTimeout(timer);
  }
}
