import type { RunSummary } from '../domain/run-summary.js';
import { ScoutError } from '../errors.js';
import {
  type DealOutcome,
  failedExtraction,
  judgeExtraction,
  notExtracted,
} from './deal-outcome.js';
import { type DealPlan, extractionRequest, needsExtraction, planDeal } from './deal-plan.js';
import type { WatchOverturns } from './overturn-watch.js';
import type { BatchExtractorPort, BatchResult } from './ports/batch-extractor.js';
import type { BatchItem, BatchStore } from './ports/batch-store.js';
import type { CrmDeal } from './ports/crm.js';
import type { ExtractionRequest } from './ports/extractor.js';
import type { SecondOpinionPort } from './ports/second-opinion.js';
import { settleBeforeDeciding } from './recover-writes.js';
import { failRun } from './run-lifecycle.js';
import {
  beginRun,
  commitOutcomes,
  finishRun,
  OBJECT,
  type RunDeps,
  type RunOptions,
  type RunState,
  resumeRun,
} from './run-state.js';
import { askSecondOpinion } from './second-opinion-pass.js';

export interface RunBatchDeps extends RunDeps {
  /** Logs values reps overturned, from the deals each page read (docs/guarantees.md#g26). */
  readonly watchOverturns?: WatchOverturns;
  readonly batches: BatchExtractorPort;
  readonly batchStore: BatchStore;
  /** Who collects (host and process), for the collection lease. */
  readonly collector: string;
  /** First wait between status polls; it grows by half each time up to `maxPollMs`. */
  readonly pollMs?: number;
  readonly maxPollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  /** The injection screen's optional second opinion on auto writes (SCOUT_SCREEN_SECOND_OPINION). */
  readonly secondOpinion?: SecondOpinionPort;
}

/**
 * A run whose model calls go through the Message Batches API. If an earlier batch run
 * stopped before collecting its results, this resumes collecting that batch (same run
 * id) instead of submitting, and paying for, the same work again.
 */
export async function runBatchExtraction(
  deps: RunBatchDeps,
  options: RunOptions,
): Promise<RunSummary> {
  const open = await deps.batchStore.findOpen();
  if (open) {
    const counts = await deps.batchStore.actionCounts(open.runId);
    const state = await resumeRun(
      deps,
      { ...open.run, dealFilter: open.run.dealFilter ?? null },
      { scanned: open.scanned, counts },
    );
    state.deals.no_new_notes = open.noNewNotes;
    // Results settled before the interruption are counted as extracted (their failures included).
    state.deals.extracted =
      open.requestCount - (await deps.batchStore.uncollectedItems(open.id)).length;
    state.warnings.push(
      `resumed collecting Message Batch ${open.id}, submitted ${open.submittedAt.toISOString()}; this invocation's options were not used`,
    );
    try {
      return await collect(deps, state, open.id, open.requestCount);
    } catch (error) {
      return failRun(deps, state, error);
    }
  }

  const state = await beginRun(deps, options, { kind: 'extract_batch', model: deps.batches.model });
  try {
    const requests: Array<{ customId: string; request: ExtractionRequest }> = [];
    const items: BatchItem[] = [];
    const pageSize = deps.pageSize ?? 200;
    let cursor: string | null = null;
    do {
      const want = state.cap === null ? pageSize : Math.min(pageSize, state.cap - state.scanned);
      if (want <= 0) break;
      const page = await deps.crm.pageDeals({ cursor, limit: want, ids: state.dealIds });
      if (page.deals.length === 0) break;
      const ids = page.deals.map((d) => d.id);
      await settleBeforeDeciding(deps, ids);
      const [context, notesByDeal] = await Promise.all([
        deps.ledger.loadPageContext(OBJECT, ids, !state.live),
        deps.crm.notesForDeals(ids),
      ]);
      if (deps.watchOverturns)
        state.counts.overturned += await deps.watchOverturns({
          runId: state.runId,
          deals: page.deals,
          defs: state.defs,
        });
      const idle: DealOutcome[] = [];
      for (const deal of page.deals) {
        const plan = planDeal({
          deal,
          notes: notesByDeal.get(deal.id) ?? [],
          mark: context.watermarks.get(deal.id),
          fields: state.fields,
          defs: state.defs,
          rescan: options.rescan === true,
        });
        if (!needsExtraction(plan)) {
          idle.push(notExtracted(deal, state.model));
          continue;
        }
        // Deal ids are the CRM's; custom ids must match ^[a-zA-Z0-9_-]{1,64}$, so they are our own.
        const customId = `r${requests.length}`;
        requests.push({
          customId,
          request: extractionRequest(deal, plan, state),
        });
        items.push({ customId, dealId: deal.id, noteIds: plan.fresh.map((n) => n.id) });
      }
      await commitOutcomes(deps, state, idle);
      state.scanned += page.deals.length;
      cursor = page.next;
    } while (cursor !== null);
    if (requests.length === 0) return await finishRun(deps, state, { batch: true });

    const batchId = await deps.batches.submit(requests);
    await deps.batchStore.record(
      {
        id: batchId,
        runId: state.runId,
        scanned: state.scanned,
        noNewNotes: state.deals.no_new_notes,
        submittedAt: deps.clock(),
      },
      items,
    );
    state.log.info({ batch_id: batchId, requests: requests.length }, 'message batch submitted');
    return await collect(deps, state, batchId, requests.length);
  } catch (error) {
    return failRun(deps, state, error);
  }
}

async function collect(
  deps: RunBatchDeps,
  state: RunState,
  batchId: string,
  requestCount: number,
): Promise<RunSummary> {
  const claim = () => deps.batchStore.claim(batchId, deps.collector, deps.clock());
  /** Renews the lease; if another process took it over, this one stops before settling anything twice. */
  const keepClaim = async () => {
    if (!(await claim()))
      throw new ScoutError(
        'usage',
        `lost the collection lease of Message Batch ${batchId} to another Scout process; it continues the collection`,
      );
  };
  if (!(await claim())) {
    throw new ScoutError(
      'usage',
      `Message Batch ${batchId} is being collected by another Scout process; try again when it has finished`,
    );
  }
  const sleep = deps.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  let wait = deps.pollMs ?? 30_000;
  while (!(await deps.batches.isEnded(batchId))) {
    await sleep(wait);
    wait = Math.min(Math.round(wait * 1.5), deps.maxPollMs ?? 300_000);
    await keepClaim();
  }
  const pending = new Map(
    (await deps.batchStore.uncollectedItems(batchId)).map((i) => [i.customId, i]),
  );
  // Results an interrupted collection already settled count as done.
  let settled = requestCount - pending.size;
  const settle = async (items: ReadonlyArray<{ item: BatchItem; result: BatchResult }>) => {
    await settleChunk(deps, state, batchId, items);
    settled += items.length;
    deps.onProgress?.({
      scanned: settled,
      total: requestCount,
      counts: state.counts,
      usage: state.usage,
      model: state.model,
    });
  };
  let chunk: Array<{ item: BatchItem; result: BatchResult }> = [];
  const flush = async () => {
    if (chunk.length === 0) return;
    await settle(chunk);
    chunk = [];
    await keepClaim();
  };
  for await (const result of deps.batches.results(batchId)) {
    const item = pending.get(result.customId);
    if (!item) continue;
    pending.delete(result.customId);
    chunk.push({ item, result });
    if (chunk.length >= (deps.pageSize ?? 200)) await flush();
  }
  await flush();
  // A request the batch never answered is a failure of its deal, not a silent gap.
  const missing = [...pending.values()];
  for (let i = 0; i < missing.length; i += 200) {
    await settle(
      missing.slice(i, i + 200).map((item) => ({
        item,
        result: {
          customId: item.customId,
          ok: false,
          error: 'the batch returned no result for this request',
        },
      })),
    );
  }
  await deps.batchStore.markCollected(batchId, deps.clock());
  return finishRun(deps, state, { batch: true, batchId });
}

/** Judges a chunk of batch answers against exactly the notes each request was shown. */
async function settleChunk(
  deps: RunBatchDeps,
  state: RunState,
  batchId: string,
  chunk: ReadonlyArray<{ item: BatchItem; result: BatchResult }>,
) {
  const ids = chunk.map((c) => c.item.dealId);
  await settleBeforeDeciding(deps, ids);
  const [page, notesByDeal, context] = await Promise.all([
    deps.crm.pageDeals({ cursor: null, limit: ids.length, ids }),
    deps.crm.notesForDeals(ids),
    deps.ledger.loadPageContext(OBJECT, ids, !state.live),
  ]);
  const deals = new Map(page.deals.map((d) => [d.id, d]));
  const outcomes = await Promise.all(
    chunk.map(async ({ item, result }): Promise<DealOutcome> => {
      const deal: CrmDeal = deals.get(item.dealId) ?? {
        id: item.dealId,
        name: '',
        ownerId: null,
        properties: {},
      };
      if (!deals.has(item.dealId))
        return failedExtraction(deal, state.model, 'the deal no longer exists in the CRM');
      if (!result.ok) return failedExtraction(deal, state.model, result.error);
      const shown = new Set(item.noteIds);
      const fresh = (notesByDeal.get(deal.id) ?? []).filter((n) => shown.has(n.id));
      const base = planDeal({
        deal,
        notes: fresh,
        mark: undefined,
        fields: state.fields,
        defs: state.defs,
        rescan: true,
      });
      const plan: DealPlan = { ...base, newestNote: fresh.at(-1) ?? null };
      const outcome = judgeExtraction({
        deal,
        plan,
        result: result.result,
        context,
        policy: deps.policy,
        defs: state.defs,
        userIds: state.userIds,
        now: deps.clock(),
      });
      return askSecondOpinion({
        port: deps.secondOpinion,
        outcome,
        notes: fresh,
        context,
        log: state.log,
      });
    }),
  );
  await commitOutcomes(deps, state, outcomes, { batchId });
}
