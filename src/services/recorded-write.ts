import type { PropertyValue } from '../domain/values.js';
import type { CrmPort, PropertyRestore, PropertyWrite, WriteResult } from './ports/crm.js';
import type { Tx } from './ports/transaction.js';
import type { IntentDraft, WriteJournal } from './ports/write-journal.js';

export interface RecordedWriteDeps {
  readonly crm: Pick<CrmPort, 'kind' | 'writeProperties' | 'restoreProperties' | 'atomic'>;
  readonly journal: WriteJournal;
}

/** Sends one round of compare-then-writes, each announced by its intent (same order). */
export type SendWrites = {
  (
    mode: 'write',
    writes: readonly PropertyWrite[],
    intents: readonly IntentDraft[],
  ): Promise<WriteResult[]>;
  (
    mode: 'restore',
    writes: readonly PropertyRestore[],
    intents: readonly IntentDraft[],
  ): Promise<WriteResult[]>;
};

/** Commits what the writes' results mean (log rows, proposal states), inside `tx`. */
export type RecordWrites<T> = (tx: Tx) => Promise<T>;

/**
 * The one way Scout changes a CRM (docs/guarantees.md#g19): a write and its record never come apart.
 * `work` sends its writes through `send` (in one round or several, as undo does) and
 * returns how to record them. A CRM in Scout's own database writes inside the very
 * transaction that records them. A remote CRM gets write-ahead intents, committed before
 * each request and closed in the transaction that records the answers; a crash in
 * between leaves them open for `recoverInterruptedWrites`. Remote callers hold the deals'
 * locks around this call, so an intent open under those locks belongs to a dead writer.
 */
export async function writeRecorded<T>(
  deps: RecordedWriteDeps,
  work: (send: SendWrites) => Promise<RecordWrites<T>>,
): Promise<T> {
  const { atomic } = deps.crm;
  if (atomic) {
    return deps.journal.transaction(async (tx) => {
      const send = ((mode: 'write' | 'restore', writes: readonly PropertyRestore[]) =>
        mode === 'write'
          ? atomic.writeProperties(tx, writes as readonly PropertyWrite[])
          : atomic.restoreProperties(tx, writes)) as SendWrites;
      return (await work(send))(tx);
    });
  }
  const opened: number[] = [];
  const send = (async (
    mode: 'write' | 'restore',
    writes: readonly PropertyRestore[],
    intents: readonly IntentDraft[],
  ) => {
    if (writes.length === 0) return [];
    opened.push(...(await deps.journal.open(intents)));
    return mode === 'write'
      ? deps.crm.writeProperties(writes as readonly PropertyWrite[])
      : restoreThrough(deps.crm, writes);
  }) as SendWrites;
  const record = await work(send);
  return deps.journal.transaction(async (tx) => {
    const out = await record(tx);
    await deps.journal.close(tx, opened);
    return out;
  });
}

/**
 * Restores through the CRM's restore path; an adapter without one can still restore
 * non-empty values through its ordinary compare-then-write, but cannot clear.
 */
function restoreThrough(
  crm: RecordedWriteDeps['crm'],
  restores: readonly PropertyRestore[],
): Promise<WriteResult[]> {
  if (crm.restoreProperties) return crm.restoreProperties(restores);
  const clears = restores.filter((r) => r.value === null);
  const writes = restores.flatMap((r) =>
    r.value === null ? [] : [{ ...r, value: r.value as Exclude<PropertyValue, null> }],
  );
  return crm.writeProperties(writes).then((results) => {
    let n = 0;
    return restores.map((r): WriteResult => {
      if (r.value !== null) return results[n++] ?? { status: 'failed', reason: 'no result' };
      return {
        status: 'failed',
        reason: `the ${crm.kind} CRM adapter cannot clear ${r.property} yet (${clears.length} clear${clears.length === 1 ? '' : 's'} refused)`,
      };
    });
  });
}
