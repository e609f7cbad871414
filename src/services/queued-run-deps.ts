import type { WatchOverturns } from './overturn-watch.js';
import type { ExtractorPort } from './ports/extractor.js';
import type { JobSystem } from './ports/job-system.js';
import type { QueuedRunStore } from './ports/queued-run-store.js';
import type { SecondOpinionPort } from './ports/second-opinion.js';
import type { DealJobCaches } from './run-deal-job.js';
import type { RunDeps } from './run-state.js';

/** What the worker's run and deal jobs share. */
export interface QueuedRunDeps extends RunDeps {
  readonly extractor: ExtractorPort;
  readonly runs: QueuedRunStore;
  readonly jobs: Pick<JobSystem, 'add'>;
  /** This process's deal-job caches (`createDealJobCaches`). */
  readonly dealJobCaches: DealJobCaches;
  /** Logs values reps overturned, from the deal each job read (docs/guarantees.md#g26). */
  readonly watchOverturns?: WatchOverturns;
  /** The injection screen's optional second opinion on auto writes (SCOUT_SCREEN_SECOND_OPINION). */
  readonly secondOpinion?: SecondOpinionPort;
}
