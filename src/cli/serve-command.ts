import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../app-context.js';
import { loadPolicy } from '../app-context.js';
import { createControlStore } from '../db/control-store.js';
import { createHomeStore } from '../db/home-store.js';
import { createProposalStore } from '../db/proposal-store.js';
import { createSuggestionStore } from '../db/suggestion-store.js';
import { dashboardRoutes } from '../http/dashboard/dashboard-routes.js';
import { type RunningServer, startHealthServer } from '../http/health-server.js';
import { createJobSystem } from '../jobs/create-job-system.js';
import { startRuntime } from '../jobs/runtime.js';
import { timingsFromConfig } from '../jobs/timings.js';
import { metricsEndpoint } from '../metrics/metrics-endpoint.js';
import { expireDueProposals } from '../services/expire-proposals.js';
import { createSlackApp } from '../slack/app.js';
import { notifierFromConfig } from '../slack/notifier-from-config.js';
import { composeDealSummary } from '../summary/compose-deal-summary.js';
import { slackUndoDeps } from './undo-command.js';

const EXPIRY_SWEEP_MS = 60_000;

/**
 * `scout serve`: the HTTP service. With SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET it
 * carries the Slack app (on /slack/events, or over Socket Mode with SLACK_APP_TOKEN)
 * and expires overdue proposals every minute.
 */
export async function startServe(
  app: AppContext,
): Promise<{ server: RunningServer; stop(): Promise<void> }> {
  const { config } = app;
  const checks = [{ name: 'postgres', check: () => app.database.ping() }];
  const metrics = metricsEndpoint(app.database.db);
  const routes = dashboardRoutes({
    token: config.SCOUT_DASHBOARD_TOKEN,
    db: app.database.db,
    policy: loadPolicy(config),
    logger: app.logger,
    clock: app.clock,
  });
  if (!config.SLACK_BOT_TOKEN || !config.SLACK_SIGNING_SECRET) {
    app.logger.warn('SLACK_BOT_TOKEN or SLACK_SIGNING_SECRET is not set: serving /healthz only');
    const server = await startHealthServer({
      port: config.PORT,
      logger: app.logger,
      checks,
      metrics,
      routes,
    });
    return { server, stop: () => server.close() };
  }
  const policy = loadPolicy(config);
  const proposals = createProposalStore(app.database.db);
  const suggestions = createSuggestionStore(app.database.db);
  const runtime = await startRuntime({
    role: 'serve',
    jobs: await createJobSystem(config, app.logger),
    database: app.database,
    crm: app.crm,
    ledger: app.ledger,
    policy,
    liveWrites: config.LIVE_WRITES,
    notifier: notifierFromConfig(config, {
      proposals,
      suggestions,
      crm: app.crm,
      policy,
      logger: app.logger,
    }),
    logger: app.logger,
    clock: app.clock,
    undoWindowHours: config.SCOUT_UNDO_WINDOW_HOURS,
    newId: app.newId,
    timings: timingsFromConfig(config),
  });
  const dealSummary = composeDealSummary(app, policy);
  const slack = createSlackApp({
    applies: runtime,
    signingSecret: config.SLACK_SIGNING_SECRET,
    botToken: config.SLACK_BOT_TOKEN,
    ...(config.SLACK_APP_TOKEN ? { appToken: config.SLACK_APP_TOKEN } : {}),
    ...(config.SLACK_API_URL ? { apiUrl: config.SLACK_API_URL } : {}),
    crm: app.crm,
    proposals,
    control: createControlStore(app.database.db),
    policy,
    liveWrites: config.LIVE_WRITES,
    clock: app.clock,
    logger: app.logger,
    ...(config.SCOUT_OPS_CHANNEL ? { opsChannel: config.SCOUT_OPS_CHANNEL } : {}),
    ...(config.SCOUT_APPROVALS_CHANNEL ? { approvalsChannel: config.SCOUT_APPROVALS_CHANNEL } : {}),
    dealSummary: dealSummary.ports,
    undo: slackUndoDeps(app),
    promotion: { suggestions, withDealLock: app.database.dealLock },
    home: createHomeStore(app.database.db),
  });
  // Over HTTP Slack posts to /slack/events; in Socket Mode the app dials out and the port serves /healthz.
  const server = await startHealthServer({
    port: config.PORT,
    logger: app.logger,
    checks,
    metrics,
    routes,
    ...(config.SLACK_APP_TOKEN
      ? {}
      : { slack: (req: IncomingMessage, res: ServerResponse) => slack.handle(req, res) }),
  });
  await slack.start();
  const sweep = setInterval(() => {
    expireDueProposals({ crm: app.crm, proposals, policy, clock: app.clock })
      .then((views) => Promise.all(views.map((v) => slack.notifier.refreshCard(v))))
      .catch((error: unknown) =>
        app.logger.error({ err: (error as Error).message }, 'expiry sweep failed'),
      );
  }, EXPIRY_SWEEP_MS);
  return {
    server,
    async stop() {
      clearInterval(sweep);
      await slack.stop();
      await runtime.stop(config.SCOUT_SHUTDOWN_SECONDS * 1000);
      await dealSummary.close();
      await server.close();
    },
  };
}
