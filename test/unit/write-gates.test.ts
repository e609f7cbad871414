import { describe, expect, it } from 'vitest';
import { resolveWriteGates } from '../../src/domain/write-gates.js';

describe('two locks (G9)', () => {
  const values: Array<string | undefined> = [
    undefined,
    '',
    '0',
    '1',
    '1 ',
    ' 1',
    'true',
    'yes',
    'TRUE',
    '01',
    '2',
  ];
  for (const apply of [false, true]) {
    for (const env of values) {
      for (const paused of [false, true]) {
        const open = apply && env === '1' && !paused;
        it(`--apply ${apply} · LIVE_WRITES=${JSON.stringify(env)} · paused ${paused} → ${open ? 'live' : 'dry'}`, () => {
          const r = resolveWriteGates({ applyRequested: apply, liveWritesEnv: env, paused });
          expect(r.open).toBe(open);
          expect(r.locks).toEqual({ apply, live_writes: env === '1', paused });
          if (apply && !open)
            expect(r.warnings.join(' ')).toContain('requested as LIVE but ran DRY');
        });
      }
    }
  }

  it('warns about LIVE_WRITES values that look like yes but are not 1', () => {
    expect(
      resolveWriteGates({ applyRequested: false, liveWritesEnv: 'true', paused: false })
        .warnings[0],
    ).toContain('only the exact value 1 opens this lock');
    expect(
      resolveWriteGates({ applyRequested: false, liveWritesEnv: '0', paused: false }).warnings,
    ).toEqual([]);
  });

  it('a pause can only close the locks', () => {
    expect(resolveWriteGates({ applyRequested: true, liveWritesEnv: '1', paused: true }).open).toBe(
      false,
    );
    expect(
      resolveWriteGates({ applyRequested: false, liveWritesEnv: '0', paused: false }).open,
    ).toBe(false);
  });
});
