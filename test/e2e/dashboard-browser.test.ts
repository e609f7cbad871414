import { rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Demo } from '../../src/demo/start-demo.js';
import { launchChromium, screenshotDir, startQuietDemo } from '../support/browser.js';

describe('the ops dashboard, opened from the demo sandbox in a real browser', () => {
  let demo: Demo;
  let browser: Browser;
  let context: BrowserContext;
  let sandbox: Page;
  let dataDir: string;
  let screenshots: string;
  /** Every URL the browser asked for, popups included. */
  const requested: string[] = [];

  beforeAll(async () => {
    ({ demo, dataDir } = await startQuietDemo('dashboard-e2e'));
    // The sample data a newcomer has after pressing both demo controls.
    await demo.run(false);
    await demo.run(true);
    await demo.idle();
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    context.on('request', (r) => requested.push(r.url()));
    sandbox = await context.newPage();
    screenshots = screenshotDir(dataDir);
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('signs in from the link in #scout-ops and shows runs, decisions per field, pending age, cost and advice', async () => {
    await sandbox.goto(`${demo.sandbox.url}/?channel=C0OPS&as=U0LEAD`);
    const link = sandbox.locator('.controls form.control-link');
    await expect.poll(() => link.count()).toBe(1);
    // The token travels in the posted form, never in a URL; the sandbox page itself is on 127.0.0.1.
    const token = await link.locator('input[name=token]').inputValue();
    expect(token).toMatch(/^[0-9a-f]{48}$/);
    const action = new URL((await link.getAttribute('action')) ?? '');
    expect(action.hostname).toBe('127.0.0.1');
    expect(action.pathname).toBe('/dashboard/login');
    expect(action.search).toBe('');

    const [dashboard] = await Promise.all([
      context.waitForEvent('page'),
      link.getByRole('button', { name: 'Open the dashboard' }).click(),
    ]);
    await dashboard.waitForLoadState('load');
    const url = new URL(dashboard.url());
    expect(url.pathname).toBe('/dashboard');
    expect(dashboard.url()).not.toContain(token);
    await expect.poll(() => dashboard.locator('h1').textContent()).toBe('Scout ops dashboard');
    expect(await dashboard.content()).not.toContain(token);

    const section = (id: string) => dashboard.locator(`section#${id}`);
    // Runs: the dry run and the live run, charted.
    expect(await section('runs').locator('.legend').textContent()).toMatch(/live \(1\).*dry \(1\)/);
    expect(await section('runs').locator('svg').count()).toBe(1);
    // Decisions per field: a row for each field the sample runs decided on, with counts.
    const rows = section('decisions').locator('tr');
    expect(await rows.count()).toBeGreaterThan(2);
    const fields = await section('decisions').locator('tr td:first-child').allTextContents();
    for (const field of fields) expect([...demo.policy.dealFields.keys()]).toContain(field);
    // Pending: the live run's cards wait for a decision, so the age chart has bars.
    expect(await section('pending').locator('svg').count()).toBe(1);
    expect(await section('pending').locator('.empty').count()).toBe(0);
    // Cost, and the advice (or what evidence it still waits for).
    expect(await section('cost').locator('svg').count()).toBe(1);
    expect(await section('advice').textContent()).toMatch(
      /No advice|Gathering evidence|(raise|lower|move|demote)/i,
    );

    await dashboard.screenshot({
      path: join(screenshots, '8-dashboard.png'),
      fullPage: true,
      animations: 'disabled',
    });

    // Nothing came from anywhere but this machine: the sandbox and Scout's own HTTP server.
    expect(requested.length).toBeGreaterThan(1);
    for (const r of requested) expect(r).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const ports = new Set(requested.map((r) => new URL(r).port));
    expect(ports).toEqual(new Set([new URL(demo.sandbox.url).port, action.port]));
  });
});
