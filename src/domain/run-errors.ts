import { ScoutError } from '../errors.js';

/** Another delivery of the same deal job committed first; this one must change nothing. */
export class AlreadySettled extends Error {
  constructor(runId: string, dealId: string) {
    super(`deal ${dealId} of run ${runId} is already settled`);
    this.name = 'AlreadySettled';
  }
}

/**
 * The run is no longer running: its lease lapsed and someone marked it interrupted (or
 * it failed) while this process still worked on it, stalled or cut off. Nothing more is
 * logged under it, and on the local CRM nothing more is written (the page's writes roll
 * back with this).
 */
export class RunEnded extends ScoutError {
  constructor(runId: string, status: string) {
    super(
      'run_ended',
      `run ${runId} is ${status}, no longer running: its lease lapsed while this process was stalled or cut off from the database, and whoever noticed ended it. Nothing more is logged under it; run again to cover the rest`,
    );
  }
}
