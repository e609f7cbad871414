#!/usr/bin/env node
// Runs the TypeScript sources directly, so `npx scout` works right after `npm ci` with no build
// step; after `npm run build` it runs the build of those same sources instead, which starts
// faster. SCOUT_FROM_SOURCE=1 always runs the sources.
import { pathToFileURL } from 'node:url';
import { BUILT_MAIN, freshBuild } from './fresh-build.js';

// `npx scout …` runs this file as a grandchild (npm exec → sh -c scout → node). Stopping
// npx with SIGTERM stops npm and its shell but never reaches this process, which would
// keep the demo (or a worker) running unseen. Started by npm exec, scout therefore
// watches its parent: once the shell is gone, it stops itself as SIGTERM would, in order.
if (process.env.npm_command === 'exec') {
  const parent = process.ppid;
  const watch = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(watch);
    process.kill(process.pid, 'SIGTERM');
  }, 500).unref();
}

if (process.env.SCOUT_FROM_SOURCE !== '1' && freshBuild()) {
  await import(pathToFileURL(BUILT_MAIN).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/main.ts');
}
