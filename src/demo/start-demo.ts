import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { composeApp } from '../app-context.js';
import { startExpirySweep, startJobRuntime, undoDeps } from '../app-process.js';
import type { Config } from '../config.js';
import { createLocalCrm } from '../crm/local-crm.js';
import { type SeedResult, seedLocalCrm } from '../crm/local-crm-admin.js';
import { type Database, openDatabase } from '../db/client.js';
import { openEmbeddedDatabase } from '../db/embedded-database.js';
import { runMigrations } from '../db/migrate.js';
import type { Policy } from '../domain/policy.js';
import { formatRunSummary, type RunSummary } from '../domain/run-summary.js';
import { ScoutError } from '../errors.js';
import { createAnthropicExtractor } from '../extraction/anthropic-extractor.js';
import { loadReplayFile } from '../extraction/replay-extractor.js';
import { dashboardRoutes } from '../http/dashboard/dashboard-routes.js';
import { type RunningServer, startHealthServer } from '../http/health-server.js';
import type { Logger } from '../logger.js';
import { loadPolicyFile } from '../policy-file.js';
import type { SandboxFormLink } from '../sandbox/page.js';
import { type Sandbox, startSandbox } from '../sandbox/server.js';
import { OPS_CHANNEL } from '../sandbox/workspace.js';
import { jobId } from '../services/job-ids.js';
import type { CrmPort } from '../services/ports/crm.js';
import type { ExtractorPort } from '../services/ports/extractor.js';
import { storedSummary } from '../services/publish-run.js';
import { setupFields } from '../services/setup-fields.js';
import { createSlackApp, type SlackApp } from '../slack/app.js';
import { createNotifier } from '../slack/notifier.js';
import { composeDealSummary } from '../summary/compose-deal-summary.js';
import { DEMO_PEOPLE, DEMO_POLICY, DEMO_REPLAY, DEMO_SEED } from './demo-files.js';

export interface DemoOptions {
  readonly config: Config;
  readonly logger: Logger;
  /** Holds the embedded database (`pgdata/`); ignored for the database when DATABASE_URL is set. */
  readonly dataDir: string;
  /** The sandbox's port; 0 picks a free one. */
  readonly port: number;
}

export interface Demo {
  readonly sandbox: Sandbox;
  readonly slack: SlackApp;
  readonly database: Database;
  readonly crm: CrmPort;
  readonly policy: Policy;
  /** What the demo runs on, one line each, for the banner. */
  readonly setup: readonly string[];
  readonly seeded: SeedResult | null;
  /**
   * One run through the queue (dry unless `apply`), its cards and summary posted to the
   * sandbox. Resolves when the database says the run is done and its summary posted.
   */
  run(apply: boolean): Promise<{ runId: string; summary: RunSummary; text: string }>;
  /**
   * Resolves when every click, apply and card update started so far has finished (on
   * BullMQ, when its queues hold no work).
   */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

const RUN_WAIT_MS = 120_000;

/**
 * The whole product on one machine with nothing to sign up for: Postgres (PGlite in
 * `dataDir` unless DATABASE_URL is set), the job runner (inline unless REDIS_URL is set),
 * the local CRM seeded with the sample pipeline, the sample model answers (or Claude with
 * ANTHROPIC_API_KEY), the real Slack app on its real HTTP endpoint, and the Slack sandbox
 * that stands in for Slack. Live writes are on: the CRM is the demo's own.
 */
export async function startDemo(options: DemoOptions): Promise<Demo> {
  const { config, logger } = options;
  if (config.SCOUT_CRM !== 'local')
    throw new ScoutError(
      'crm_unsupported',
      'scout demo runs on its own local CRM; unset SCOUT_CRM',
    );
  const setup: string[] = [];
  const cleanups: Array<() => Promise<unknown>> = [];
  const stopAll = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
  };
  try {
    const botToken = `xoxb-sandbox-${randomBytes(8).toString('hex')}`;
    const signingSecret = randomBytes(16).toString('hex');
    // The dashboard's token: made here, handed only to the sandbox page on 127.0.0.1, never printed.
    const dashboardToken = randomBytes(24).toString('hex');
    let botServer: RunningServer | null = null;
    let demo: Demo | null = null;
    // First of all, so a taken port is reported at once, before the database starts.
    const sandbox = await startDemoSandbox({
      port: options.port,
      botToken,
      signingSecret,
      botUrl: () => `http://127.0.0.1:${botServer?.port ?? 0}/slack/events`,
      links: () =>
        botServer
          ? [
              {
                label: 'Open the dashboard ↗',
                action: `http://127.0.0.1:${botServer.port}/dashboard/login`,
                fields: { token: dashboardToken },
              },
            ]
          : [],
      run: async (apply) => {
        if (!demo) throw new Error('the demo is still starting');
        const { text } = await demo.run(apply);
        return text.split('\n')[0] ?? '';
      },
    });
    cleanups.push(() => sandbox.close());
    const database = await openDemoDatabase(config, options.dataDir, setup);
    const { db } = database;
    // The sample's amounts are in US dollars.
    const crm = { ...createLocalCrm(db), currency: config.SCOUT_CURRENCY ?? 'USD' };
    const app = composeApp({ config, logger, database, crm });
    cleanups.push(() => app.close());
    const { control, proposals, suggestions, home, runs, writeNotices, runDigest } = app.stores;
    const seeded = (await crm.countDeals()) === 0 ? await seedLocalCrm(db, DEMO_SEED) : null;
    setup.push(
      seeded
        ? `local CRM: seeded ${seeded.deals} sample deals and ${seeded.notes} notes from examples/demo/pipeline.seed.json`
        : `local CRM: continuing with the ${await crm.countDeals()} deals already there`,
    );
    const policyPath = config.SCOUT_POLICY ?? DEMO_POLICY;
    const policy = loadPolicyFile(policyPath);
    setup.push(`policy: ${config.SCOUT_POLICY ? policyPath : 'examples/demo/policy.yml'}`);
    await setupFields(
      { crm, policy, liveWrites: '1', isPaused: () => control.isPaused() },
      { apply: true },
    );
    const extractor = demoExtractor(config, setup);

    setup.push(
      `Slack: the local sandbox at ${sandbox.url}/ (Web API stand-in at ${sandbox.apiUrl})`,
    );

    const notifier = createNotifier({
      client: new WebClient(botToken, {
        slackApiUrl: `${sandbox.apiUrl}/`,
        retryConfig: { retries: 0 },
      }),
      proposals,
      suggestions,
      writeNotices,
      runDigest,
      crm,
      policy,
      logger,
      opsChannel: OPS_CHANNEL,
      minIntervalMs: 0,
    });
    const { jobs, runtime } = await startJobRuntime(app, {
      role: 'worker',
      policy,
      liveWrites: '1',
      notifier,
      extractor,
    });
    setup.push(
      jobs.mode === 'inline'
        ? 'jobs: inline, in this process (no REDIS_URL)'
        : 'jobs: BullMQ on REDIS_URL',
    );
    cleanups.push(() => runtime.stop(config.SCOUT_SHUTDOWN_SECONDS * 1000));
    const dealSummary = composeDealSummary(app, policy);
    cleanups.push(() => dealSummary.close());
    const slack = createSlackApp({
      dealSummary: dealSummary.ports,
      jobs: runtime,
      signingSecret,
      botToken,
      apiUrl: sandbox.apiUrl,
      crm,
      proposals,
      control,
      policy,
      liveWrites: '1',
      clock: app.clock,
      logger,
      opsChannel: OPS_CHANNEL,
      notifier,
      // As in `scout serve`: applied cards' Undo and `/scout undo`, through the demo's live gates.
      undo: { windowHours: config.SCOUT_UNDO_WINDOW_HOURS, undo: undoDeps(app, '1') },
      promotion: { suggestions, withDealLock: database.dealLock },
      writeNotices,
      home,
      runDigest,
    });
    cleanups.push(() => slack.stop());
    botServer = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      logger,
      checks: [{ name: 'postgres', check: () => database.ping() }],
      slack: (req, res) => slack.handle(req, res),
      // As `scout serve` mounts it, over the demo's database; the sandbox's #scout-ops links to it.
      routes: dashboardRoutes({
        token: dashboardToken,
        db,
        policy,
        logger,
        clock: app.clock,
      }),
    });
    const bot = botServer;
    cleanups.push(() => bot.close());
    setup.push(
      `dashboard: http://127.0.0.1:${bot.port}/dashboard — open it from the demo controls in #scout-ops (they sign you in)`,
    );
    setup.push(`Slack app: the real Bolt app on ${`http://127.0.0.1:${bot.port}/slack/events`}`);

    // As in `scout serve`: overdue proposals expire and their cards lose the buttons.
    const stopSweep = startExpirySweep(app, policy, (view) => slack.notifier.refreshCard(view));
    cleanups.push(async () => stopSweep());
    demo = {
      sandbox,
      slack,
      database,
      crm,
      policy,
      setup,
      seeded,
      async run(apply) {
        const runId = app.newId();
        await jobs.add('runs', [{ id: jobId('run', runId), data: { runId, apply } }]);
        const deadline = Date.now() + RUN_WAIT_MS;
        for (;;) {
          await runtime.idle();
          const row = await runs.get(runId);
          if (row?.status === 'completed' && row.summaryPostedAt) {
            const summary = storedSummary(row);
            return { runId, summary, text: formatRunSummary(summary) };
          }
          if (row?.status === 'failed')
            throw new Error(`the demo run ${runId} failed; see the log`);
          if (Date.now() > deadline)
            throw new Error(`the demo run ${runId} did not finish in time`);
          await new Promise((r) => setTimeout(r, 100));
        }
      },
      idle: () => slack.idle(),
      stop: stopAll,
    };
    return demo;
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** The Slack sandbox with the demo's controls; a taken port is a one-line usage error. */
function startDemoSandbox(input: {
  port: number;
  botToken: string;
  signingSecret: string;
  botUrl: () => string;
  links: () => readonly SandboxFormLink[];
  /** One run (live with `apply`); resolves to the line the control reports. */
  run: (apply: boolean) => Promise<string>;
}): Promise<Sandbox> {
  return startSandbox({
    users: DEMO_PEOPLE,
    botToken: input.botToken,
    signingSecret: input.signingSecret,
    botUrl: input.botUrl,
    links: input.links,
    port: input.port,
    controls: [
      { id: 'dry-run', label: 'Run Scout (dry run)' },
      {
        id: 'live-run',
        label: 'Run Scout live (--apply)',
        style: 'primary',
        confirm: {
          title: 'Run Scout live?',
          text: "A live run writes to the demo's own CRM: Scout's suggestion fields at once, reps' fields once someone approves a card. `npx scout demo --fresh` starts over.",
          confirm: 'Run live',
          deny: 'Cancel',
        },
      },
    ],
    onControl: (id) => input.run(id === 'live-run'),
  }).catch((error: unknown) => {
    // The usual cause (a demo already running, or another app on the port) has a one-line answer.
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new ScoutError('usage', `port ${input.port} is in use; try --port 0 for any free port`);
    throw error;
  });
}

async function openDemoDatabase(
  config: Config,
  dataDir: string,
  setup: string[],
): Promise<Database> {
  if (config.DATABASE_URL) {
    await runMigrations(config.DATABASE_URL);
    setup.push('database: PostgreSQL at DATABASE_URL');
    return openDatabase(config.DATABASE_URL);
  }
  const dir = join(dataDir, 'pgdata');
  setup.push(`database: embedded Postgres (PGlite) in ${dir}`);
  return openEmbeddedDatabase(dir);
}

function demoExtractor(config: Config, setup: string[]): ExtractorPort {
  if (config.SCOUT_REPLAY_FILE) {
    setup.push(`model: replaying ${config.SCOUT_REPLAY_FILE}`);
    return loadReplayFile(config.SCOUT_REPLAY_FILE);
  }
  if (config.ANTHROPIC_API_KEY && config.SCOUT_EXTRACTOR !== 'replay') {
    setup.push(`model: Claude (${config.SCOUT_MODEL}) with ANTHROPIC_API_KEY — real tokens`);
    return createAnthropicExtractor({
      apiKey: config.ANTHROPIC_API_KEY,
      model: config.SCOUT_MODEL,
      maxRetries: config.SCOUT_MODEL_MAX_RETRIES,
      ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}),
    });
  }
  setup.push(
    'model: SAMPLE answers replayed from examples/demo/pipeline.replay.json (set ANTHROPIC_API_KEY for Claude)',
  );
  return loadReplayFile(DEMO_REPLAY);
}
