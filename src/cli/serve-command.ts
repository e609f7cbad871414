import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AppContext } from '../app-context.js';
import { processNotifier, startExpirySweep, startJobRuntime, undoDeps } from '../app-process.js';
import { dashboardRoutes } from '../http/dashboard/dashboard-routes.js';
import { type RunningServer, startHealthServer } from '../http/health-server.js';
import { processMetrics } from '../metrics/metrics-endpoint.js';
import { loadPolicy } from '../policy-file.js';
import { createSlackApp } from '../slack/app.js';
import { composeDealSummary } from '../summary/compose-deal-summary.js';

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
  const { read: metrics, close: closeMetrics } = processMetrics(
    config,
    app.database.db,
    app.logger,
  );
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
    return {
      server,
      async stop() {
        await server.close();
        await closeMetrics();
      },
    };
  }
  const policy = loadPolicy(config);
  const { proposals, suggestions, control, home, writeNotices, runDigest } = app.stores;
  // One notifier for the process: the runtime's card refreshes and the Slack app's share a pace.
  const notifier = processNotifier(app, policy);
  const { runtime } = await startJobRuntime(app, { role: 'serve', policy, notifier });
  const dealSummary = composeDealSummary(app, policy);
  const slack = createSlackApp({
    jobs: runtime,
    signingSecret: config.SLACK_SIGNING_SECRET,
    botToken: config.SLACK_BOT_TOKEN,
    ...(config.SLACK_APP_TOKEN ? { appToken: config.SLACK_APP_TOKEN } : {}),
    ...(config.SLACK_API_URL ? { apiUrl: config.SLACK_API_URL } : {}),
    crm: app.crm,
    proposals,
    control,
    policy,
    liveWrites: config.LIVE_WRITES,
    clock: app.clock,
    logger: app.logger,
    ...(config.SCOUT_OPS_CHANNEL ? { opsChannel: config.SCOUT_OPS_CHANNEL } : {}),
    ...(config.SCOUT_APPROVALS_CHANNEL ? { approvalsChannel: config.SCOUT_APPROVALS_CHANNEL } : {}),
    dealSummary: dealSummary.ports,
    ...(notifier ? { notifier } : {}),
    slackLimits: app.slackLimits,
    undo: { windowHours: config.SCOUT_UNDO_WINDOW_HOURS, undo: undoDeps(app) },
    promotion: { suggestions, withDealLock: app.database.dealLock },
    writeNotices,
    home,
    runDigest,
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
  const stopSweep = startExpirySweep(app, policy, (view) => slack.notifier.refreshCard(view));
  return {
    server,
    async stop() {
      stopSweep();
      await slack.stop();
      await runtime.stop(config.SCOUT_SHUTDOWN_SECONDS * 1000);
      await dealSummary.close();
      await server.close();
      await closeMetrics();
    },
  };
}
