import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The project's shared/ folder (vendor specs, injection corpora), which sits beside the
 * checkout. SCOUT_SHARED_DIR overrides it for checkouts kept elsewhere.
 */
export function sharedPath(relative: string): string {
  const root =
    process.env.SCOUT_SHARED_DIR ?? fileURLToPath(new URL('../../../shared/', import.meta.url));
  const path = `${root.replace(/\/$/, '')}/${relative}`;
  if (!existsSync(path)) {
    throw new Error(
      `${path} is missing: the tests need shared/ beside the checkout (or SCOUT_SHARED_DIR pointing at it)`,
    );
  }
  return path;
}
