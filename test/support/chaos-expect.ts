import { expect } from 'vitest';
import type { ChaosFindings } from './chaos.js';

// Apart from chaos.ts, which `npm run chaos` imports outside vitest.
/** What every chaos trial must leave, whatever was killed where (docs/guarantees.md#g19, G20). */
export function expectWhole(f: ChaosFindings): void {
  expect(f.crmChanges).toBeGreaterThan(0);
  expect(f.unattributed).toBe(0);
  expect(f.duplicated).toBe(0);
  expect(f.creditedToRep).toBe(0);
  expect(f.leftRunning).toBe(0);
  expect(f.interruptedWithoutCoverage).toBe(0);
  expect(f.undoDifferences).toBe(0);
  expect(f.verifyExit).toBe(0);
}
