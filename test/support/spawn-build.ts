import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
// @ts-expect-error -- plain JavaScript beside bin/scout.js, without type declarations
import { freshBuild } from '../../bin/fresh-build.js';

/**
 * The tests spawn `bin/scout.js` a few hundred times (chaos trials, workers, serve) and the
 * Slack benchmark times `serve` and `worker` processes as production runs them: from a build
 * each starts in about a third of the CPU time the TypeScript loader takes. The bin runs the
 * build only while it is newer than every source file, so an edit made during a run is still
 * what runs. A failed build leaves the bin on the sources: slower, never wrong.
 */
export function buildForSpawnedProcesses(): void {
  if (freshBuild()) return;
  const root = fileURLToPath(new URL('../..', import.meta.url));
  try {
    execFileSync(
      process.execPath,
      ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'],
      {
        cwd: root,
        stdio: 'ignore',
      },
    );
  } catch {
    // tsc still emits on type errors; `npm run typecheck` reports them.
  }
}
