import { type AppContext, createExtractor, loadPolicy } from '../app-context.js';
import { requireSettings } from '../config.js';
import { createProposalStore } from '../db/proposal-store.js';
import { createSuggestionStore } from '../db/suggestion-store.js';
import { secondOpinionFromConfig } from '../extraction/second-opinion-from-config.js';
import { type RunningServer, startHealthServer } from '../http/health-server.js';
import { createJobSystem } from '../jobs/create-job-system.js';
import type { Runtime } from '../jobs/runtime.js';
import { startRuntime } from '../jobs/runtime.js';
import { loadSchedulesFile } from '../jobs/schedule-file.js';
import { timingsFromConfig } from '../jobs/timings.js';
import { metricsEndpoint } from '../metrics/metrics-endpoint.js';
import type { CrmPort } from '../services/ports/crm.js';
import type { ExtractorPort } from '../services/ports/extractor.js';
import { notifierFromConfig } from '../slack/notifier-from-config.js';

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
  const { config, logger } = app;
  requireSettings(config, ['extractor']);
  const policy = loadPolicy(config);
  const schedules = config.SCOUT_SCHEDULES ? loadSchedulesFile(config.SCOUT_SCHEDULES) : [];
  const extractor = overrides.extractor ?? createExtractor(config);
  const crm = overrides.crm ?? app.crm;
  const jobs = await createJobSystem(config, logger);
  const runtime = await startRuntime({
    role: 'worker',
    jobs,
    database: app.database,
    crm,
    ledger: app.ledger,
    policy,
    liveWrites: config.LIVE_WRITES,
    notifier: notifierFromConfig(config, {
      proposals: createProposalStore(app.database.db),
      suggestions: createSuggestionStore(app.database.db),
      crm,
      policy,
      logger,
    }),
    logger,
    clock: app.clock,
    undoWindowHours: config.SCOUT_UNDO_WINDOW_HOURS,
    newId: app.newId,
    timings: timingsFromConfig(config),
    extractor,
    schedules,
    ...(config.SCOUT_DIGEST_CRON ? { digestCron: config.SCOUT_DIGEST_CRON } : {}),
    secondOpinion: secondOpinionFromConfig(config),
  });
  // Prometheus scrapes a worker on METRICS_PORT; /healthz there answers for its database too.
  const metricsServer = config.METRICS_PORT
    ? await startHealthServer({
        port: config.METRICS_PORT,
        logger,
        checks: [{ name: 'postgres', check: () => app.database.ping() }],
        metrics: metricsEndpoint(app.database.db),
      })
    : null;
  return { runtime, mode: jobs.mode, schedules: schedules.map((s) => s.id), metricsServer };
}
