import { createHash } from 'node:crypto';
import { countingCrmCalls } from '../crm/crm-call-count.js';
import type { RunSummary } from '../domain/run-summary.js';
import { dealJobId } from './job-ids.js';
import type { JobData } from './ports/job-data.js';
import type { QueuedRunDeps } from './queued-run-deps.js';
import { finishIfSettled } from './run-deal-job.js';
import { SCHEDULE_INTENT } from './run-lifecycle.js';
import { beginRun } from './run-state.js';

/**
 * A run job (scheduled, or enqueued by hand): records the run, then pages through the
 * CRM and enqueues one job per deal, carrying ids only (docs/guarantees.md#g18). The cursor is saved
 * with each page, so a retried run job resumes the fan-out instead of starting again.
 */
export function fanOutRun(
  deps: QueuedRunDeps,
  data: JobData<'runs'>,
  jobKey: string,
): Promise<RunSummary | null> {
  return countingCrmCalls((calls) => {
    let recorded = 0;
    /** The CRM requests made since the last time this job recorded them. */
    const newCalls = () => {
      const n = calls() - recorded;
      recorded += n;
      return n;
    };
    return fanOut(deps, data, jobKey, newCalls);
  });
}

async function fanOut(
  deps: QueuedRunDeps,
  data: JobData<'runs'>,
  jobKey: string,
  newCalls: () => number,
): Promise<RunSummary | null> {
  const runId = data.runId ?? runIdFor(jobKey);
  let run = await deps.runs.get(runId);
  if (!run) {
    const state = await beginRun(
      { ...deps, newId: () => runId },
      {
        apply: data.apply,
        ...(data.dealIds ? { dealIds: data.dealIds } : {}),
        limit: data.limit ?? null,
      },
      { kind: 'extract', model: deps.extractor.model },
    );
    const warnings = [...state.warnings];
    if (data.scheduleId && data.apply && !state.resolved.open) {
      const i = warnings.findIndex((w) => w.startsWith('this run was requested as LIVE'));
      const why =
        i >= 0
          ? warnings.splice(i, 1)[0]?.replace(/^this run was requested as LIVE but /, '')
          : 'ran DRY';
      warnings.unshift(
        `${SCHEDULE_INTENT}: schedule ${data.scheduleId} has apply: true, but this run ${why}`,
      );
    }
    await deps.runs.startFanout(runId, {
      ...(data.scheduleId ? { scheduleId: data.scheduleId } : {}),
      warnings,
      crmCalls: newCalls(),
    });
    run = await deps.runs.get(runId);
    if (!run) throw new Error(`run ${runId} vanished after it was recorded`);
  } else if (run.status === 'running') {
    // A retry: deals recorded as queued may never have reached the queue.
    const queued = await deps.runs.queuedDeals(runId);
    await deps.jobs.add(
      'deals',
      queued.map((dealId) => ({ id: dealJobId(runId, dealId), data: { runId, dealId } })),
    );
  }
  if (run.status !== 'running') return null;
  if (!run.fanoutDone) {
    const pageSize = deps.pageSize ?? 200;
    let cursor = run.fanoutCursor;
    let scanned = await deps.runs.countDeals(runId);
    const ids = run.dealFilter ?? undefined;
    for (;;) {
      const want = run.cap === null ? pageSize : Math.min(pageSize, run.cap - scanned);
      if (want <= 0) break;
      const page = await deps.crm.pageDeals({ cursor, limit: want, ...(ids ? { ids } : {}) });
      if (page.deals.length === 0) break;
      const dealIds = page.deals.map((d) => d.id);
      await deps.runs.queueDeals(runId, dealIds, page.next, scanned, newCalls());
      await deps.jobs.add(
        'deals',
        dealIds.map((dealId) => ({ id: dealJobId(runId, dealId), data: { runId, dealId } })),
      );
      scanned += dealIds.length;
      cursor = page.next;
      if (cursor === null) break;
    }
    await deps.runs.finishFanout(runId, newCalls());
    deps.logger.info({ run_id: runId, deals: scanned }, 'run fanned out');
  }
  return finishIfSettled(deps, runId);
}

/** Scheduled runs get their id from the job's, so a redelivered job finds the same run. */
export function runIdFor(jobKey: string): string {
  const h = createHash('sha256').update(`scout-run:${jobKey}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
