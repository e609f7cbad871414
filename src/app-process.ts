import type { AppContext } from './app-context.js';
import type { Policy } from './domain/policy.js';
import { createJobSystem } from './jobs/create-job-system.js';
import { type Runtime, startRuntime } from './jobs/runtime.js';
import { timingsFromConfig } from './jobs/timings.js';
import { expireDueProposals } from './services/expire-proposals.js';
import type { CrmPort } from './services/ports/crm.js';
import type { ExtractorPort } from './services/ports/extractor.js';
import type { JobSystem, Schedule } from './services/ports/job-system.js';
import type { Notifier } from './services/ports/notifier.js';
import type { SecondOpinionPort } from './services/ports/second-opinion.js';
import type { ProposalView } from './services/proposal-view.js';
import { processLease } from './services/run-lifecycle.js';
import type { UndoDeps } from './services/undo-run.js';
import { notifierFromConfig } from './slack/notifier-from-config.js';

/**
 * The second half of the composition root (the first is `app-context.ts`): what commands and
 * long-running processes build from an open app. `serve`, `worker`, `run`, `undo`, `digest`
 * and `demo` call these instead of wiring stores, notifiers and runtimes themselves.
 */

const EXPIRY_SWEEP_MS = 60_000;

/** The process's one notifier (cards, summaries, notices); null without SLACK_BOT_TOKEN. */
export function processNotifier(app: AppContext, policy: Policy): Notifier | null {
  return notifierFromConfig(app.config, {
    proposals: app.stores.proposals,
    suggestions: app.stores.suggestions,
    writeNotices: app.stores.writeNotices,
    runDigest: app.stores.runDigest,
    crm: app.crm,
    policy,
    logger: app.logger,
    limits: app.slackLimits,
  });
}

export interface JobRuntimeOptions {
  readonly role: 'worker' | 'serve';
  readonly policy: Policy;
  readonly notifier: Notifier | null;
  /** The demo's own CRM is always live; everywhere else LIVE_WRITES decides. */
  readonly liveWrites?: string | undefined;
  /** Tests swap in a CRM wrapper; production uses the app's. */
  readonly crm?: CrmPort;
  readonly extractor?: ExtractorPort;
  readonly schedules?: readonly Schedule[];
  readonly secondOpinion?: SecondOpinionPort | undefined;
}

/** The job system (BullMQ with REDIS_URL, else inline) and the runtime that consumes it. */
export async function startJobRuntime(
  app: AppContext,
  options: JobRuntimeOptions,
): Promise<{ jobs: JobSystem; runtime: Runtime }> {
  const { config } = app;
  const jobs = await createJobSystem(config, app.logger);
  const runtime = await startRuntime({
    role: options.role,
    jobs,
    database: app.database,
    crm: options.crm ?? app.crm,
    ledger: app.ledger,
    stores: app.stores,
    policy: options.policy,
    liveWrites: 'liveWrites' in options ? options.liveWrites : config.LIVE_WRITES,
    notifier: options.notifier,
    logger: app.logger,
    clock: app.clock,
    undoWindowHours: config.SCOUT_UNDO_WINDOW_HOURS,
    newId: app.newId,
    timings: timingsFromConfig(config),
    extractor: options.extractor,
    schedules: options.schedules,
    digestCron: options.role === 'worker' ? config.SCOUT_DIGEST_CRON : undefined,
    secondOpinion: options.secondOpinion,
  });
  return { jobs, runtime };
}

/**
 * What an undo needs, the same for `scout undo`, the card's Undo button and `/scout undo`.
 * The demo's own CRM is always live, as its runs are; everywhere else LIVE_WRITES decides.
 */
export function undoDeps(app: AppContext, liveWrites = app.config.LIVE_WRITES): UndoDeps {
  return {
    crm: app.crm,
    ledger: app.ledger,
    store: app.stores.undo,
    liveWrites,
    clock: app.clock,
    newId: app.newId,
    logger: app.logger,
    withDealLock: app.database.dealLock,
    lease: processLease(app.config.SCOUT_RUN_LEASE_SECONDS * 1000),
  };
}

/** Every minute, expires overdue proposals and redraws their cards; returns the stop. */
export function startExpirySweep(
  app: AppContext,
  policy: Policy,
  refreshCard: (view: ProposalView) => Promise<unknown>,
): () => void {
  const sweep = setInterval(() => {
    expireDueProposals({ crm: app.crm, proposals: app.stores.proposals, policy, clock: app.clock })
      .then((views) => Promise.all(views.map(refreshCard)))
      .catch((error: unknown) =>
        app.logger.error({ err: (error as Error).message }, 'expiry sweep failed'),
      );
  }, EXPIRY_SWEEP_MS);
  return () => clearInterval(sweep);
}
