import { type AppContext, createExtractor } from '../app-context.js';
import { processNotifier, startJobRuntime } from '../app-process.js';
import { requireSettings } from '../config.js';
import { secondOpinionFromConfig } from '../extraction/second-opinion-from-config.js';
import { type RunningServer, startHealthServer } from '../http/health-server.js';
import type { Runtime } from '../jobs/runtime.js';
import { loadSchedulesFile } from '../jobs/schedule-file.js';
import { processMetrics } from '../metrics/metrics-endpoint.js';
import { loadPolicy } from '../policy-file.js';
import type { CrmPort } from '../services/ports/crm.js';
import type { ExtractorPort } from '../services/ports/extractor.js';

/**
 * `scout worker`: consumes runs, deal jobs, applies and heartbeats, registers the
 * schedules from SCOUT_SCHEDULES, and reconciles lost work. Everything it needs is
 * checked before it takes a job.
 */
export async function startWorker(
  app: AppContext,
  /** Tests swap in a CRM or extractor wrapper; production passes nothing. */
  overrides: { crm?: CrmPort; extractor?: ExtractorPort } = {},
): Promise<{
  runtime: Runtime;
  mode: 'bullmq' | 'inline';
  schedules: string[];
  metricsServer: RunningServer | null;
}> {
  const { config } = app;
  requireSettings(config, ['extractor']);
  const policy = loadPolicy(config);
  const schedules = config.SCOUT_SCHEDULES ? loadSchedulesFile(config.SCOUT_SCHEDULES) : [];
  const extractor = overrides.extractor ?? createExtractor(config);
  const crm = overrides.crm ?? app.crm;
  const { jobs, runtime } = await startJobRuntime(app, {
    role: 'worker',
    policy,
    notifier: processNotifier(app, policy),
    crm,
    extractor,
    schedules,
    secondOpinion: secondOpinionFromConfig(config),
  });
  // Prometheus scrapes a worker on METRICS_PORT; /healthz there answers for its database too.
  const metricsServer = config.METRICS_PORT
    ? await startMetricsServer(app, config.METRICS_PORT)
    : null;
  return { runtime, mode: jobs.mode, schedules: schedules.map((s) => s.id), metricsServer };
}

/** The worker's /metrics and /healthz; closing it releases the metrics' Redis connection too. */
async function startMetricsServer(app: AppContext, port: number): Promise<RunningServer> {
  const metrics = processMetrics(app.config, app.database.db, app.logger);
  const server = await startHealthServer({
    port,
    logger: app.logger,
    checks: [{ name: 'postgres', check: () => app.database.ping() }],
    metrics: metrics.read,
  });
  return {
    port: server.port,
    async close() {
      await server.close();
      await metrics.close();
    },
  };
}
