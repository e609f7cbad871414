import { oncePer } from '../concurrency/once-per.js';
import type { Database } from '../db/client.js';
import type { ControlStore } from '../db/control-store.js';
import { eachDealLock } from '../db/deal-locks.js';
import type { HeartbeatStore } from '../db/heartbeat-store.js';
import type { OutboxStore } from '../db/outbox-store.js';
import type { Policy } from '../domain/policy.js';
import type { RunSummary } from '../domain/run-summary.js';
import type { Logger } from '../logger.js';
import { failApplyJob, runApplyJob } from '../services/apply-job.js';
import { fanOutRun } from '../services/fan-out-run.js';
import { createOverturnWatch } from '../services/overturn-watch.js';
import type { CrmPort } from '../services/ports/crm.js';
import type { ExtractorPort } from '../services/ports/extractor.js';
import type { JobHandlers, JobSystem, Schedule } from '../services/ports/job-system.js';
import type { Notifier } from '../services/ports/notifier.js';
import type { OverturnStore } from '../services/ports/overturn-store.js';
import type { ProposalStore } from '../services/ports/proposal-store.js';
import type { QueuedRunStore } from '../services/ports/queued-run-store.js';
import type { RunLedger } from '../services/ports/run-ledger.js';
import type { SecondOpinionPort } from '../services/ports/second-opinion.js';
import { publishRun } from '../services/publish-run.js';
import type { QueuedRunDeps } from '../services/queued-run-deps.js';
import { settleBeforeDeciding } from '../services/recover-writes.js';
import { redrawCard } from '../services/redraw-card.js';
import { createDealJobCaches, failDealJob, runDealJob } from '../services/run-deal-job.js';
import {
  DEFAULT_RUN_LEASE_MS,
  holdLeases,
  interruptLapsedRuns,
  WORKER_HOLDER,
} from '../services/run-lifecycle.js';
import { announceOverturns } from './announce-overturns.js';
import {
  HEARTBEAT,
  reconcile,
  relayOutbox,
  type Timings,
  watchHeartbeat,
} from './background-work.js';
import { postDigestIfDue } from './weekly-digest.js';

/** How long this process remembers having queued a card's redraw (a redraw waits minutes at most). */
const REDRAW_ASKED_MS = 10 * 60_000;

export interface RuntimeDeps {
  readonly role: 'worker' | 'serve';
  readonly jobs: JobSystem;
  readonly database: Database;
  readonly crm: CrmPort;
  readonly ledger: RunLedger;
  /** The composition root's stores (`createStores`); the runtime builds none of its own. */
  readonly stores: {
    readonly proposals: ProposalStore;
    readonly outbox: OutboxStore;
    readonly runs: QueuedRunStore;
    readonly heartbeats: HeartbeatStore;
    readonly control: ControlStore;
    readonly overturns: OverturnStore;
  };
  readonly policy: Policy;
  readonly liveWrites: string | undefined;
  readonly notifier: Notifier | null;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly newId: () => string;
  readonly timings: Timings;
  /** SCOUT_UNDO_WINDOW_HOURS: an applied card offers Undo only this long (0: never). */
  readonly undoWindowHours?: number;
  /** The worker's: runs and deal jobs need a model. */
  readonly extractor?: ExtractorPort;
  readonly schedules?: readonly Schedule[];
  /** The worker's: when the weekly digest is due (SCOUT_DIGEST_CRON, UTC). */
  readonly digestCron?: string;
  /** The worker's: the injection screen's optional second opinion on auto writes. */
  readonly secondOpinion?: SecondOpinionPort | undefined;
}

export interface Runtime {
  /** Relays the outbox now (after a click), without waiting for the next tick. */
  kick(): void;
  /**
   * Queues a redraw of the proposal's card as it is at `version` (one job per version, so
   * clicks piling up on one card coalesce); any process with a Slack notifier draws it.
   */
  redrawCard(proposalId: string, version: number): Promise<void>;
  /** One reconciler pass and one watchdog pass, now. */
  tick(): Promise<void>;
  /** Resolves when the outbox is relayed and every job this process consumes has finished. */
  idle(): Promise<void>;
  stop(deadlineMs?: number): Promise<{ drained: boolean }>;
}

/**
 * Background work of a process: the worker consumes every queue and registers the
 * schedules; `serve` relays approvals into the queue (and, with no Redis, applies
 * them in-process with the same handlers). Both watch the worker's heartbeat.
 */
export async function startRuntime(deps: RuntimeDeps): Promise<Runtime> {
  const { db } = deps.database;
  const log = deps.logger.child({ component: deps.role });
  const { proposals, outbox, runs, heartbeats, control } = deps.stores;
  const consumesApplies = deps.role === 'worker' || deps.jobs.mode === 'inline';
  const schedules = deps.schedules ?? [];
  const undoHours = deps.undoWindowHours;
  const workerLease = {
    holder: WORKER_HOLDER,
    ms: deps.timings.runLeaseMs ?? DEFAULT_RUN_LEASE_MS,
  };
  // Every live worker keeps the worker runs alive: their deal jobs may run on any of them.
  const heldLeases =
    deps.role === 'worker'
      ? holdLeases({ ledger: deps.ledger, lease: workerLease, logger: log })
      : null;
  const applyDeps = {
    crm: deps.crm,
    proposals,
    policy: deps.policy,
    liveWrites: deps.liveWrites,
    isPaused: () => control.isPaused(),
    withDealLock: deps.database.dealLock,
    notifier: deps.notifier,
    ...(undoHours !== undefined
      ? { undoWindow: () => ({ hours: undoHours, now: deps.clock() }) }
      : {}),
  };
  // Repeat clicks on a card whose redraw waits for Slack's budget ask again and again; this
  // process queues each version once (other processes' asks are one job by its id).
  const notQueuedYet = oncePer(REDRAW_ASKED_MS);
  const queueRedraw = async (proposalId: string, version: number) => {
    const id = `card-${proposalId}-${version}`;
    if (notQueuedYet(id)) await deps.jobs.add('cards', [{ id, data: { proposalId, version } }]);
  };
  const publishDeps = {
    runs,
    notifier: deps.notifier,
    logger: log,
    clock: deps.clock,
    ...(deps.timings.summaryLeaseMs !== undefined
      ? { summaryLeaseMs: deps.timings.summaryLeaseMs }
      : {}),
  };
  const publish = async (summary: RunSummary | null) => {
    if (!summary) return;
    await publishRun(publishDeps, summary);
    await announceOverturns({ db, policy: deps.policy, notifier: deps.notifier, logger: log });
  };
  let runDeps: QueuedRunDeps | undefined;
  const handlers: { -readonly [K in keyof JobHandlers]: JobHandlers[K] } = {};
  if (consumesApplies) {
    // An apply hands its card to the `cards` queue, so CRM writes never wait on Slack.
    const applyJobDeps = { ...applyDeps, redrawCard: queueRedraw };
    handlers.applies = {
      run: (data) => runApplyJob(applyJobDeps, data.proposalId),
      failed: (data, error) =>
        failApplyJob(applyJobDeps, (data as { proposalId: string }).proposalId, error.message),
    };
  }
  if (deps.role === 'worker') {
    if (!deps.extractor) throw new Error('the worker needs an extractor');
    const qdeps: QueuedRunDeps = {
      crm: deps.crm,
      ledger: deps.ledger,
      policy: deps.policy,
      liveWrites: deps.liveWrites,
      clock: deps.clock,
      newId: deps.newId,
      logger: log,
      // A deal job writes one deal, under the lock the applies take.
      withDealLocks: eachDealLock(deps.database.dealLock),
      extractor: deps.extractor,
      runs,
      jobs: deps.jobs,
      dealJobCaches: createDealJobCaches(),
      lease: workerLease,
      watchOverturns: createOverturnWatch(deps.stores.overturns, log),
      ...(deps.secondOpinion ? { secondOpinion: deps.secondOpinion } : {}),
    };
    runDeps = qdeps;
    handlers.runs = {
      run: async (data, job) => publish(await fanOutRun(qdeps, data, job.id)),
      failed: async (data, error) => {
        log.error({ err: error.message, data }, 'a run job failed for good');
        await deps.notifier?.postOpsAlert(
          `A Scout run could not start or fan out: ${error.message}. The reconciler resumes its fan-out from where it stopped once the grace period has passed; this alert repeats each time a resume gives up.`,
        );
      },
    };
    handlers.deals = {
      run: async (data) => publish(await runDealJob(qdeps, data)),
      failed: async (data, error) => {
        const parsed = data as { runId?: unknown; dealId?: unknown };
        if (typeof parsed.runId !== 'string' || typeof parsed.dealId !== 'string') return;
        await publish(
          await failDealJob(qdeps, { runId: parsed.runId, dealId: parsed.dealId }, error.message),
        );
      },
    };
    handlers.ops = { run: () => heartbeats.beat(HEARTBEAT, deps.clock()) };
  }
  const notifier = deps.notifier;
  const consumesCards = notifier !== null;
  if (notifier) {
    const redrawDeps = { ...applyDeps, notifier };
    handlers.cards = { run: (data) => redrawCard(redrawDeps, data.proposalId) };
  }
  deps.jobs.work(handlers);
  if (deps.role === 'worker') {
    await deps.jobs.upsertSchedules(schedules, deps.timings.heartbeatMs);
    await heartbeats.beat(HEARTBEAT, deps.clock());
    log.info({ mode: deps.jobs.mode, schedules: schedules.map((s) => s.id) }, 'worker started');
  }

  let relaying: Promise<void> | null = null;
  let again = false;
  const relay = (): Promise<void> => {
    if (relaying) {
      again = true;
      return relaying;
    }
    relaying = (async () => {
      do {
        again = false;
        try {
          await relayOutbox({ outbox, jobs: deps.jobs, clock: deps.clock });
        } catch (error) {
          log.warn(
            { err: (error as Error).message },
            'outbox relay failed; approvals wait in Postgres',
          );
        }
      } while (again);
    })().finally(() => {
      relaying = null;
    });
    return relaying;
  };

  let ticking: Promise<void> | null = null;
  const tick = (): Promise<void> => {
    ticking ??= (async () => {
      try {
        await endAbandonedWork();
        if (consumesApplies)
          await reconcile({
            proposals,
            runs,
            jobs: deps.jobs,
            notifier: deps.notifier,
            logger: log,
            clock: deps.clock,
            schedules,
            timings: deps.timings,
            ...(runDeps ? { runDeps } : {}),
          });
        await watchHeartbeat({
          heartbeats,
          notifier: deps.notifier,
          logger: log,
          clock: deps.clock,
          alertAfterMs: deps.timings.alertAfterMs,
        });
        if (deps.role === 'worker')
          await postDigestIfDue({
            db,
            policy: deps.policy,
            notifier: deps.notifier,
            logger: log,
            clock: deps.clock,
            ...(deps.digestCron ? { cron: deps.digestCron } : {}),
          });
      } catch (error) {
        log.warn(
          { err: (error as Error).message },
          'reconciler pass failed; it runs again shortly',
        );
      }
    })().finally(() => {
      ticking = null;
    });
    return ticking;
  };

  /**
   * What dead processes left behind (docs/guarantees.md#g19, G20): runs whose lease lapsed end as
   * interrupted, their summaries posted loudly; remote CRM writes they never logged are
   * settled from the CRM (those younger than the grace period are left to their writer).
   */
  const endAbandonedWork = async () => {
    for (const summary of await interruptLapsedRuns({ ledger: deps.ledger, logger: log }))
      await publishRun(publishDeps, summary);
    await settleBeforeDeciding(
      {
        crm: deps.crm,
        ledger: deps.ledger,
        withDealLocks: eachDealLock(deps.database.dealLock),
        logger: log,
      },
      undefined,
      new Date(deps.clock().getTime() - deps.timings.graceMs),
    );
  };

  const relayTimer = setInterval(() => void relay(), deps.timings.relayMs);
  const tickTimer = setInterval(() => void tick(), deps.timings.reconcileMs);
  relayTimer.unref();
  tickTimer.unref();
  void tick();

  return {
    kick: () => void relay(),
    redrawCard: queueRedraw,
    tick,
    async idle() {
      for (;;) {
        await relay();
        const more = await outbox.unrelayed(1);
        // `serve` on BullMQ hands its applies to the worker: it waits for its relay, and
        // for the card redraws it takes part in.
        if (consumesApplies) await deps.jobs.idle();
        else if (consumesCards) await deps.jobs.idle(['cards']);
        if (more.length === 0 && !relaying) return;
      }
    },
    async stop(deadlineMs) {
      clearInterval(relayTimer);
      clearInterval(tickTimer);
      heldLeases?.stop();
      await Promise.allSettled([relaying, ticking]);
      return deps.jobs.close(deadlineMs);
    },
  };
}
