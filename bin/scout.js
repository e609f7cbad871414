#!/usr/bin/env node
// Runs the TypeScript sources directly, so `npx scout` works right after `npm ci` with no build
// step; after `npm run build` it runs the build of those same sources instead, which starts
// faster. SCOUT_FROM_SOURCE=1 always runs the sources.
import { pathToFileURL } from 'node:url';
import { BUILT_MAIN, freshBuild } from './fresh-build.js';

if (process.env.SCOUT_FROM_SOURCE !== '1' && freshBuild()) {
  await import(pathToFileURL(BUILT_MAIN).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
