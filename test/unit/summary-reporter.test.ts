import { describe, expect, it } from 'vitest';
import type { TestModule } from 'vitest/node';
import { closingLine } from '../support/summary-reporter.js';

type State = 'passed' | 'failed' | 'skipped';

/** A test file as the reporter sees it: its own state and its tests' states. */
function file(state: 'passed' | 'failed', tests: State[]): TestModule {
  return {
    state: () => state,
    children: { allTests: () => tests.map((s) => ({ result: () => ({ state: s }) })).values() },
  } as unknown as TestModule;
}

describe('the closing line CI reads', () => {
  it.each([
    ['every test passed', [file('passed', ['passed', 'passed'])], 0, 'tests: 2 passed, 0 failed'],
    [
      'a test failed',
      [file('failed', ['passed', 'failed']), file('passed', ['skipped'])],
      0,
      'tests: 1 passed, 1 failed, 1 skipped',
    ],
    [
      'a beforeAll threw (Chromium missing): its tests were skipped, the file failed',
      [file('failed', ['skipped', 'skipped', 'skipped']), file('passed', ['passed'])],
      0,
      'tests: 1 passed, 1 failed, 3 skipped (1 file failed outside their tests)',
    ],
    [
      'a file failed to load and has no tests',
      [file('failed', []), file('failed', [])],
      0,
      'tests: 0 passed, 2 failed (2 files failed outside their tests)',
    ],
    [
      'an unhandled error after the tests passed',
      [file('passed', ['passed'])],
      1,
      'tests: 1 passed, 1 failed (1 unhandled error)',
    ],
  ])('%s', (_, modules, errors, line) => {
    expect(closingLine(modules, errors)).toBe(line);
  });
});
