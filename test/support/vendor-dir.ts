import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Third-party data the tests check against (Slack's method and manifest specs, public
 * prompt-injection corpora), vendored under test/fixtures/vendor/ with its licences and
 * origins (SOURCES.md there), so a clone with nothing beside it runs every test.
 */
export function vendorPath(relative: string): string {
  const path = fileURLToPath(new URL(`../fixtures/vendor/${relative}`, import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} is missing from test/fixtures/vendor/`);
  return path;
}
