import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    // Vitest's default on a 2-core machine is one worker, which runs the files one by one;
    // most integration files wait on Postgres, Redis, child processes and timers, so three
    // at once roughly halve the suite's time without starving any of them.
    maxWorkers: 3,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/conformance/**/*.test.ts'],
          environment: 'node',
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          // `scout demo` in headless Chromium (Debian's package, driven by playwright-core).
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          // About 25 s alone; the margin is for a machine busy with the rest of the suite.
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
