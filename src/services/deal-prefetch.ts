import type { CrmDeal, CrmNote, CrmReader } from './ports/crm.js';

export interface DealReads {
  readonly deal: CrmDeal | null;
  readonly notes: readonly CrmNote[];
}

export interface DealPrefetchOptions {
  /** Deals read together: HubSpot's batch reads take 100. */
  readonly batch: number;
  /** How long a prefetched deal waits for its job before it is read again. */
  readonly ttlMs: number;
  readonly now: () => number;
}

/**
 * Reads for a worker's deal jobs, a batch at a time. A job that finds nothing prefetched
 * reads its own deal together with the queued deals around it in the fan-out — the jobs
 * this process has just started or is about to take — so a run costs the CRM what
 * `scout run` costs (about 0.1 HubSpot requests per deal) instead of a full set of
 * requests per deal. Each
 * entry is handed out once and lives `ttlMs` at most; what it holds is no fresher than a
 * page read by `scout run`, and every write still compares before it writes.
 */
export function createDealPrefetch(options: DealPrefetchOptions) {
  /**
   * Prefetched reads by run and deal. A taken entry stays (reads null) until its time is up,
   * so a later batch does not read again a deal whose job is still running: jobs run out of
   * fan-out order, and a running deal is still queued in the database.
   */
  const entries = new Map<string, { at: number; reads: Promise<DealReads> | null }>();
  /** Per run, the job choosing the next batch: the jobs that start with it wait for its choice. */
  const choosing = new Map<string, Promise<void>>();
  const key = (runId: string, dealId: string) => `${runId}\n${dealId}`;

  const take = (runId: string, dealId: string, now: number) => {
    const found = entries.get(key(runId, dealId));
    if (!found?.reads || now - found.at > options.ttlMs) return null;
    entries.set(key(runId, dealId), { at: found.at, reads: null });
    return found.reads;
  };

  return {
    /**
     * The deal's reads; `nearby` lists queued deals around it in fan-out order (those
     * just before it may be waiting for this choice), asked only when the deal was not
     * prefetched.
     */
    async read(
      crm: CrmReader,
      runId: string,
      dealId: string,
      nearby: () => Promise<readonly string[]>,
    ): Promise<DealReads> {
      for (;;) {
        const hit = take(runId, dealId, options.now());
        if (hit) return hit;
        const busy = choosing.get(runId);
        if (!busy) break;
        await busy;
      }
      const now = options.now();
      for (const [k, e] of entries) if (now - e.at > options.ttlMs) entries.delete(k);
      let chosen = () => {};
      choosing.set(runId, new Promise<void>((resolve) => (chosen = resolve)));
      let batch: Promise<Map<string, DealReads>>;
      try {
        const others = (await nearby()).filter(
          (id) => id !== dealId && !entries.has(key(runId, id)),
        );
        const ids = [dealId, ...others].slice(0, options.batch);
        batch = readBatch(crm, ids);
        entries.set(key(runId, dealId), { at: now, reads: null });
        for (const id of ids.slice(1)) {
          const reads = batch.then((m) => m.get(id) ?? { deal: null, notes: [] });
          // A failed batch is dropped: jobs that had not taken their entry yet read again.
          reads.catch(() => {
            if (entries.get(key(runId, id))?.reads === reads) entries.delete(key(runId, id));
          });
          entries.set(key(runId, id), { at: now, reads });
        }
      } finally {
        choosing.delete(runId);
        chosen();
      }
      return (await batch).get(dealId) ?? { deal: null, notes: [] };
    },
    /** Entries waiting for their jobs (for tests and the curious). */
    size: () => [...entries.values()].filter((e) => e.reads).length,
  };
}

async function readBatch(crm: CrmReader, ids: readonly string[]): Promise<Map<string, DealReads>> {
  const [page, notes] = await Promise.all([
    crm.pageDeals({ cursor: null, limit: ids.length, ids }),
    crm.notesForDeals(ids),
  ]);
  const deals = new Map(page.deals.map((d) => [d.id, d]));
  return new Map(
    ids.map((id) => [id, { deal: deals.get(id) ?? null, notes: notes.get(id) ?? [] }]),
  );
}
