/** A run's row: one per pass (extraction or undo), its counters filled in when it finishes. */
export interface RunRow {
  id: string;
  kind: string;
  status: string;
  mode: string;
  requestedApply: boolean;
  locks: unknown;
  scanned: number;
  total: number;
  cap: number | null;
  counts: unknown;
  dealCounts: unknown;
  warnings: string[];
  usage: unknown;
  model: string;
  dealFilter: string[] | null;
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
  scheduleId: string | null;
  fanoutCursor: string | null;
  fanoutDone: boolean;
  fanoutAt: Date | null;
  pausedDuring: boolean;
  summaryClaimedUntil: Date | null;
  summaryPostedAt: Date | null;
  chainHead: { seq: number; hash: string } | null;
  hubspotApiCalls: number | null;
  fanoutCrmCalls: number;
  leaseUntil: Date | null;
  leaseHolder: string | null;
  policySha256: string | null;
  policyPath: string | null;
}

/** A run as it starts: what it is and how it runs; counters, fan-out and lease come later. */
export type NewRun = Pick<
  RunRow,
  'id' | 'kind' | 'status' | 'mode' | 'requestedApply' | 'locks' | 'model' | 'startedAt'
> &
  Partial<
    Omit<
      RunRow,
      'id' | 'kind' | 'status' | 'mode' | 'requestedApply' | 'locks' | 'model' | 'startedAt'
    >
  >;
