import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { type Browser, chromium } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { type Demo, startDemo } from '../../src/demo/start-demo.js';

/** Debian's chromium package; `npm test` installs it (scripts/test-setup.sh). Nothing here downloads a browser. */
export const CHROMIUM = '/usr/bin/chromium';

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** The README's screenshots are retaken with SCOUT_UPDATE_SCREENSHOTS=1; other runs keep theirs apart. */
const README_SCREENSHOTS = fileURLToPath(new URL('../../docs/screenshots/', import.meta.url));

/** Headless Chromium with a fresh, empty profile of Playwright's own (--user-data-dir). */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: run npm test (its set-up installs Debian's chromium) or \`apt-get install chromium\``,
    );
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

/** Where screenshots go: docs/screenshots with SCOUT_UPDATE_SCREENSHOTS=1, else a folder under `scratch`. */
export function screenshotDir(scratch: string): string {
  const dir =
    process.env.SCOUT_UPDATE_SCREENSHOTS === '1' ? README_SCREENSHOTS : join(scratch, 'shots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** `scout demo` on its embedded defaults, quiet, its data in a fresh folder named after `label`. */
export async function startQuietDemo(label: string): Promise<{ demo: Demo; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), `scout-${label}-`));
  const demo = await startDemo({
    config: loadConfig({ LOG_LEVEL: 'silent' }),
    logger: pino({ level: 'silent' }),
    dataDir,
    port: 0,
  });
  return { demo, dataDir };
}
