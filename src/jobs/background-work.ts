import type { HeartbeatStore } from '../db/heartbeat-store.js';
import type { OutboxStore } from '../db/outbox-store.js';
import type { Logger } from '../logger.js';
import { applyJobId, dealJobId, jobId } from '../services/job-ids.js';
import type { JobSystem, Schedule } from '../services/ports/job-system.js';
import type { Notifier } from '../services/ports/notifier.js';
import type { ProposalStore } from '../services/ports/proposal-store.js';
import type { QueuedRunStore } from '../services/ports/queued-run-store.js';
import { publishRun, storedSummary } from '../services/publish-run.js';
import type { QueuedRunDeps } from '../services/queued-run-deps.js';
import { finishIfSettled } from '../services/run-deal-job.js';
import { WORKER_HOLDER } from '../services/run-lifecycle.js';
import { HEARTBEAT_SCHEDULE, SCHEDULE_PREFIX } from './scheduler-keys.js';

export const HEARTBEAT = 'worker';

export interface Timings {
  /** How often the outbox is relayed into the queue. */
  readonly relayMs: number;
  /** How often the reconciler looks for lost work. */
  readonly reconcileMs: number;
  /** How old unfinished work must be before the reconciler re-enqueues it. */
  readonly graceMs: number;
  readonly heartbeatMs: number;
  /** Silence after which the watchdog alerts ops. */
  readonly alertAfterMs: number;
  /** How long a claim on posting a run's summary lasts unless renewed (default two minutes). */
  readonly summaryLeaseMs?: number;
  /** A run's lease (docs/guarantees.md#g20; default 30 s): worker runs are renewed by every live worker. */
  readonly runLeaseMs?: number;
}

export const DEFAULT_TIMINGS: Timings = {
  relayMs: 1_000,
  reconcileMs: 30_000,
  graceMs: 60_000,
  heartbeatMs: 10_000,
  alertAfterMs: 60_000,
};

/** Outbox rows into apply jobs. Redis down: the rows wait, and the next tick tries again. */
export async function relayOutbox(deps: {
  outbox: OutboxStore;
  jobs: Pick<JobSystem, 'add'>;
  clock: () => Date;
}): Promise<number> {
  const rows = await deps.outbox.unrelayed(200);
  if (rows.length === 0) return 0;
  await deps.jobs.add(
    'applies',
    rows.map((r) => ({ id: r.jobId, data: r.payload as { proposalId: string; version: number } })),
  );
  await deps.outbox.markRelayed(
    rows.map((r) => r.id),
    deps.clock(),
  );
  return rows.length;
}

export interface ReconcileDeps {
  readonly proposals: ProposalStore;
  readonly runs: QueuedRunStore;
  readonly jobs: JobSystem;
  readonly notifier: Notifier | null;
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly schedules: readonly Schedule[];
  readonly timings: Timings;
  /** Present when this process runs extraction (the worker): lost runs are resumed. */
  readonly runDeps?: QueuedRunDeps;
}

/**
 * Puts back whatever Redis lost (a flush, a failover without AOF, a crash between a
 * commit and an enqueue): Postgres is the record, the queue only a copy. Everything
 * re-enqueued carries its deterministic job id, and every handler checks the database
 * first, so re-enqueueing work that was not lost changes nothing.
 */
export async function reconcile(deps: ReconcileDeps): Promise<Record<string, number>> {
  const now = deps.clock();
  const before = new Date(now.getTime() - deps.timings.graceMs);
  const found = { applies: 0, deals: 0, fanouts: 0, finished: 0, summaries: 0, schedules: 0 };

  // Requeued, not added: a job that failed for good while the database still shows its work
  // undone (its failure handler met a Postgres blip, or its process died) would otherwise
  // block its id for as long as BullMQ keeps failed jobs (a week).
  const unapplied = await deps.proposals.unapplied(before, 500);
  found.applies = unapplied.length;
  await deps.jobs.requeue(
    'applies',
    unapplied.map((p) => ({
      id: applyJobId(p.id, p.version),
      data: { proposalId: p.id, version: p.version },
    })),
    before,
  );

  const publishDeps = { ...deps, summaryLeaseMs: deps.timings.summaryLeaseMs };
  if (deps.runDeps) {
    const queued = await deps.runs.queuedSince(before, 2_000);
    found.deals = queued.length;
    await deps.jobs.requeue(
      'deals',
      queued.map((q) => ({ id: dealJobId(q.runId, q.dealId), data: q })),
      before,
    );
    const stalled = await deps.runs.stalledFanouts(before, WORKER_HOLDER);
    found.fanouts = stalled.length;
    // Requeued too: a resume job that failed for good (the CRM was down for all its attempts)
    // would block `resume-<run>` for a week and leave the run `running`.
    await deps.jobs.requeue(
      'runs',
      stalled.map((r) => ({
        id: jobId('resume', r.id),
        data: {
          runId: r.id,
          apply: r.requestedApply,
          ...(r.dealFilter ? { dealIds: r.dealFilter } : {}),
          limit: r.cap,
          ...(r.scheduleId ? { scheduleId: r.scheduleId } : {}),
        },
      })),
      before,
    );
    for (const runId of await deps.runs.settledButRunning()) {
      const summary = await finishIfSettled(deps.runDeps, runId);
      if (summary) {
        found.finished += 1;
        await publishRun(publishDeps, summary);
      }
    }
    // A flush takes the schedulers too: put them back, the heartbeat's included.
    const registered = new Set(await deps.jobs.schedulerKeys());
    const wanted = [HEARTBEAT_SCHEDULE, ...deps.schedules.map((s) => `${SCHEDULE_PREFIX}${s.id}`)];
    if (wanted.some((key) => !registered.has(key))) {
      found.schedules = wanted.length;
      await deps.jobs.upsertSchedules(deps.schedules, deps.timings.heartbeatMs);
    }
  }

  for (const run of await deps.runs.unposted(now))
    if (await publishRun(publishDeps, storedSummary(run))) found.summaries += 1;
  if (Object.values(found).some((n) => n > 0))
    deps.logger.info(found, 'reconciler re-enqueued work');
  return found;
}

/**
 * Alerts ops once per silence when the heartbeat job has not run for a while: the
 * worker is down, stuck, or its Redis is (BullMQ can also stall silently).
 */
export async function watchHeartbeat(deps: {
  heartbeats: HeartbeatStore;
  notifier: Notifier | null;
  logger: Logger;
  clock: () => Date;
  alertAfterMs: number;
}): Promise<boolean> {
  const now = deps.clock();
  const last = await deps.heartbeats.last(HEARTBEAT);
  if (!last) return false;
  const silentSince = new Date(now.getTime() - deps.alertAfterMs);
  if (!(await deps.heartbeats.claimAlert(HEARTBEAT, silentSince, now))) return false;
  const seconds = Math.round((now.getTime() - last.beatAt.getTime()) / 1000);
  const text = `The Scout worker has made no progress for ${seconds} s (last heartbeat ${last.beatAt.toISOString()}). Scheduled runs and approved changes are waiting; check \`scout worker\` and Redis.`;
  deps.logger.error({ silent_seconds: seconds }, 'worker heartbeat is silent');
  await deps.notifier?.postOpsAlert(text);
  return true;
}
