import type { Action } from '../../domain/actions.js';
import type { RunRow } from '../../domain/run-record.js';

/** What a run did, as rows: db/run-digest-query.ts reads them for the ops summary. */
export interface RunDigestReader {
  /** The fields the run logged with one of `actions`, one row per deal and field, first logged first. */
  changes(
    runId: string,
    actions: readonly Action[],
  ): Promise<Array<{ readonly recordId: string; readonly field: string }>>;
  /** The run's cards still waiting for a decision, counted per deal and the Slack user they went to. */
  waiting(runId: string): Promise<
    Array<{
      readonly recordId: string;
      readonly ownerSlackId: string | null;
      readonly count: number;
    }>
  >;
  /** The run as stored (its summary's Details); null when there is no such run. */
  run(runId: string): Promise<RunRow | null>;
}
