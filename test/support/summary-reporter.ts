import type { Reporter, SerializedError, TestModule } from 'vitest/node';

/**
 * Prints the plain closing line `tests: N passed, N failed[, N skipped]` that CI reads,
 * after vitest's own summary. A file that failed outside its tests (a `beforeAll` that
 * threw, say, leaving its tests skipped) and an unhandled error each count as a failure,
 * and the line says how many there were: a run that fails never reads `0 failed`.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    modules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    process.stdout.write(`\n${closingLine(modules, unhandledErrors.length)}\n`);
  }
}

export function closingLine(
  modules: ReadonlyArray<Pick<TestModule, 'state' | 'children'>>,
  unhandledErrors: number,
): string {
  let passed = 0;
  let failedTests = 0;
  let skipped = 0;
  let failedFiles = 0;
  for (const m of modules) {
    let failedHere = 0;
    for (const t of m.children.allTests()) {
      const state = t.result().state;
      if (state === 'passed') passed += 1;
      else if (state === 'failed') failedHere += 1;
      else skipped += 1;
    }
    failedTests += failedHere;
    if (m.state() === 'failed' && failedHere === 0) failedFiles += 1;
  }
  const failed = failedTests + failedFiles + unhandledErrors;
  const why = [
    ...(failedFiles > 0
      ? [`${failedFiles} file${failedFiles > 1 ? 's' : ''} failed outside their tests`]
      : []),
    ...(unhandledErrors > 0
      ? [`${unhandledErrors} unhandled error${unhandledErrors > 1 ? 's' : ''}`]
      : []),
  ];
  return `tests: ${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}${why.length > 0 ? ` (${why.join(', ')})` : ''}`;
}
