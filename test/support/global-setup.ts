import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
// @ts-expect-error -- plain JavaScript beside bin/scout.js, without type declarations
import { freshBuild } from '../../bin/fresh-build.js';
import { runMigrations } from '../../src/db/migrate.js';
import { databaseUrl, dropDatabase, uniqueName, withAdmin } from './postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    templateDatabase: string;
  }
}

/** Migrates one template database per test run; each test file clones it in milliseconds. */
export default async function setup(project: TestProject) {
  buildForSpawnedProcesses();
  const template = uniqueName('scout_tpl');
  await withAdmin((sql) => sql.unsafe(`create database "${template}"`));
  await runMigrations(databaseUrl(template));
  project.provide('templateDatabase', template);
  return async () => {
    await dropDatabase(template);
  };
}

/**
 * The tests spawn `bin/scout.js` a few hundred times (chaos trials, workers, serve); from a build
 * each starts in about a third of the CPU time the TypeScript loader takes. The bin runs the
 * build only while it is newer than every source file, so an edit made during a run is still
 * what runs. A failed build leaves the bin on the sources: slower, never wrong.
 */
function buildForSpawnedProcesses(): void {
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
