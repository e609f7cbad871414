/**
 * The write gates: the per-run intent (`--apply`), the standing switch `LIVE_WRITES` and
 * the pause. A CRM write happens only when all three let it through. Run summaries, the
 * `runs` table and the CLI call them "locks" (docs/guarantees.md#g9), and keep that name.
 */

/** The state of each gate as a run summary reports it (its `locks` field; docs/guarantees.md#g9, G14). */
export interface WriteGateState {
  readonly apply: boolean;
  readonly live_writes: boolean;
  readonly paused: boolean;
}

export interface WriteGates {
  /** Named `locks` as the run summary reports it. */
  readonly locks: WriteGateState;
  /** True only when every gate is open; anything else is a dry run. */
  readonly open: boolean;
  readonly warnings: readonly string[];
}

/**
 * Two gates and a brake: the per-run intent (`--apply`) AND the standing switch
 * `LIVE_WRITES`, which opens for the exact string `1` only, while a pause can close
 * them but never open them.
 */
export function resolveWriteGates(input: {
  applyRequested: boolean;
  liveWritesEnv: string | undefined;
  paused: boolean;
}): WriteGates {
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
