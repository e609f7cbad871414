import type { TestProject } from 'vitest/node';
import { runMigrations } from '../../src/db/migrate.js';
import { databaseUrl, dropDatabase, uniqueName, withAdmin } from './postgres.js';
import { buildForSpawnedProcesses } from './spawn-build.js';

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
