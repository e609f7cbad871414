/** Machine-readable error codes; each maps to a CLI exit code (2 = bad usage or input, 1 = runtime). */
export type ScoutErrorCode =
  | 'config_invalid'
  | 'usage'
  | 'policy_invalid'
  | 'seed_invalid'
  | 'replay_invalid'
  | 'unknown_deal'
  | 'crm_not_empty'
  | 'crm_unsupported'
  | 'extractor_failed'
  | 'extractor_fatal'
  | 'crm_failed'
  | 'database_failed'
  | 'schedules_invalid'
  | 'redis_unsafe'
  | 'redis_unavailable'
  | 'chain_broken'
  | 'undo_invalid'
  | 'run_busy'
  | 'run_ended';

const INPUT_ERRORS: ReadonlySet<ScoutErrorCode> = new Set([
  'config_invalid',
  'usage',
  'policy_invalid',
  'seed_invalid',
  'replay_invalid',
  'unknown_deal',
  'crm_not_empty',
  'crm_unsupported',
  'schedules_invalid',
  'undo_invalid',
]);

/** An error whose message is written for the operator, with a stable `code` and the original `cause`. */
export class ScoutError extends Error {
  override readonly name = 'ScoutError';
  constructor(
    readonly code: ScoutErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  get exitCode(): 1 | 2 {
    return INPUT_ERRORS.has(this.code) ? 2 : 1;
  }
}
