/** The state of each lock as a run summary reports it (SPEC G9, G14). */
export interface LockState {
  readonly apply: boolean;
  readonly live_writes: boolean;
  readonly paused: boolean;
}

export interface ResolvedLocks {
  readonly locks: LockState;
  /** True only when every lock is open; anything else is a dry run. */
  readonly open: boolean;
  readonly warnings: readonly string[];
}

/**
 * Two locks and a brake: the per-run intent (`--apply`) AND the standing switch
 * `LIVE_WRITES`, which opens for the exact string `1` only, while a pause can close
 * them but never open them.
 */
export function resolveLocks(input: {
  applyRequested: boolean;
  liveWritesEnv: string | undefined;
  paused: boolean;
}): ResolvedLocks {
  const liveWrites = input.liveWritesEnv === '1';
  const open = input.applyRequested && liveWrites && !input.paused;
  const warnings: string[] = [];
  if (
    input.liveWritesEnv !== undefined &&
    input.liveWritesEnv !== '1' &&
    input.liveWritesEnv !== '0'
  ) {
    warnings.push(
      `LIVE_WRITES is set to ${JSON.stringify(input.liveWritesEnv)}; only the exact value 1 opens this lock`,
    );
  }
  if (input.applyRequested && !open) {
    const closed = [
      ...(liveWrites ? [] : ['LIVE_WRITES is not 1']),
      ...(input.paused ? ['Scout is paused'] : []),
    ].join(' and ');
    warnings.push(
      `this run was requested as LIVE but ran DRY because ${closed}: nothing was written`,
    );
  }
  return {
    locks: { apply: input.applyRequested, live_writes: liveWrites, paused: input.paused },
    open,
    warnings,
  };
}
