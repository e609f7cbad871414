// Whether dist/ holds a build of the current sources: `npm run build` wrote it after the last
// change to any file under src/. bin/scout.js then runs it (no TypeScript loader: it starts in
// about a third of the time), and the test suite's set-up builds it once for the processes the
// tests spawn. Anything newer under src/ means the sources win.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BUILT_MAIN = join(ROOT, 'dist', 'main.js');

function newestUnder(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const mtime = entry.isDirectory() ? newestUnder(path) : statSync(path).mtimeMs;
    if (mtime > newest) newest = mtime;
  }
  return newest;
}

/** `root` is the checkout (tests point it at a scratch copy). */
export function freshBuild(root = ROOT) {
  const main = join(root, 'dist', 'main.js');
  if (!existsSync(main)) return false;
  return statSync(main).mtimeMs > newestUnder(join(root, 'src'));
}
