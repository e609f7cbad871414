import { findOverturns } from '../domain/overturns.js';
import type { PropertyDef } from '../domain/values.js';
import type { Logger } from '../logger.js';
import type { CrmDeal } from './ports/crm.js';
import type { OverturnStore } from './ports/overturn-store.js';
import { OBJECT } from './settle-page.js';

/** Given the deals a run just read, logs the values reps overturned; returns how many. */
export type WatchOverturns = (input: {
  readonly runId: string;
  readonly deals: readonly CrmDeal[];
  readonly defs: ReadonlyMap<string, PropertyDef>;
}) => Promise<number>;

/**
 * Overturn detection (docs/guarantees.md#g26), riding on the CRM reads a run makes anyway: no extra
 * CRM request. It only observes, so a failure is logged and the run goes on.
 */
export function createOverturnWatch(store: OverturnStore, logger: Logger): WatchOverturns {
  return async ({ runId, deals, defs }) => {
    try {
      const latest = await store.latestChanges(
        OBJECT,
        deals.map((d) => d.id),
      );
      const overturns = findOverturns(
        latest,
        new Map(deals.map((d) => [d.id, d.properties])),
        (field) => defs.get(field)?.type ?? 'text',
      );
      if (overturns.length === 0) return 0;
      return await store.log({ runId, object: OBJECT, overturns });
    } catch (error) {
      logger.warn(
        { run_id: runId, err: (error as Error).message },
        'checking for overturned values failed; the run goes on',
      );
      return 0;
    }
  };
}
