import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import type { Browser, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProvenance } from '../../src/db/provenance-reader.js';
import type { Demo } from '../../src/demo/start-demo.js';
import { idsAndKeysShown, textsShown } from '../../src/sandbox/what-people-see.js';
import { checkBlocks, checkView } from '../support/block-kit-limits.js';
import { launchChromium, screenshotDir, startQuietDemo } from '../support/browser.js';
import { vendorPath } from '../support/vendor-dir.js';

describe('scout demo in a real browser', () => {
  let demo: Demo;
  let browser: Browser;
  let page: Page;
  let dataDir: string;
  let screenshots: string;

  beforeAll(async () => {
    ({ demo, dataDir } = await startQuietDemo('demo-e2e'));
    // What `scout demo` does before it prints the sandbox URL.
    await demo.run(false);
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
    screenshots = screenshotDir(dataDir);
  });

  afterAll(async () => {
    await browser?.close();
    await demo?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const actAs = (user: string) => page.selectOption('#as', user);
  const openChannel = (label: string) => page.locator('#sidebar a', { hasText: label }).click();
  /** A live (not dry-run) card in the open channel, by field and deal. */
  const card = (field: string, deal: string): Locator =>
    page
      .locator('.thread .msg')
      .filter({ has: page.locator('[data-block-id=title]', { hasText: `${deal}` }) })
      .filter({
        has: page.locator('[data-block-id=title] b', { hasText: new RegExp(`^${field}$`) }),
      })
      .filter({ hasNotText: 'DRY RUN' });
  /**
   * Scrolls a message into view for a screenshot. The sandbox page swaps the whole pane's HTML on
   * every workspace change, so a message found a moment ago can be detached mid-scroll by a late
   * post; the locator is resolved again and the scroll retried.
   */
  const reveal = async (message: Locator) => {
    for (let attempt = 1; ; attempt++) {
      try {
        await message.scrollIntoViewIfNeeded({ timeout: 10_000 });
        return;
      } catch (error) {
        if (attempt === 5 || !/not attached to the DOM/.test(String(error))) throw error;
      }
    }
  };
  const shot = (name: string) =>
    page.screenshot({ path: join(screenshots, `${name}.png`), animations: 'disabled' });
  const property = async (dealId: string, name: string) => {
    const found = (await demo.crm.pageDeals({ cursor: null, limit: 1, ids: [dealId] })).deals[0];
    return found?.properties[name] ?? null;
  };

  it('approves, edits, rejects, refuses a stranger and answers /deal-summary', async () => {
    await page.goto(`${demo.sandbox.url}/?channel=C0OPS&as=U0LEAD`);
    const dryHeader = page.locator('.header', { hasText: 'DRY RUN — nothing was written' });
    await dryHeader.waitFor();
    await reveal(dryHeader);
    await shot('1-ops-dry-run');
    // A dry run is a rehearsal for ops (dry_run_cards: ops): previews here, nothing to any rep.
    await page.locator('.msg', { hasText: 'DRY RUN preview' }).first().waitFor();
    const dms = demo.sandbox.workspace.messages.filter((m) => m.channel.startsWith('D'));
    expect(dms).toEqual([]);

    await page.getByRole('button', { name: 'Run Scout live (--apply)' }).click();
    // Writing to the CRM is confirmed first, in the control's own dialog.
    const goLive = page.locator('#confirm-layer.open [role=alertdialog]');
    await goLive.getByText('Run Scout live?').waitFor();
    await shot('1b-confirm-live-run');
    await goLive.getByRole('button', { name: 'Run live' }).click();
    await page.locator('#control-status', { hasText: 'LIVE' }).waitFor();
    // The live summary's header: the mode first, then what the run wrote.
    await page
      .locator('.header', { hasText: /^LIVE — \d+ fields? written on \d+ deals?/ })
      .waitFor();

    await actAs('U0ANA');
    await openChannel('Scout ↔ Ana Ruiz');
    const approve = card('Close date', 'Vandelay Industries');
    await approve.getByRole('button', { name: 'Approve' }).click();
    await approve.getByText('written to the CRM').waitFor();
    await reveal(approve);
    await shot('2-card-approved');

    const edit = card('Seats', 'Northwind Traders');
    await edit.getByRole('button', { name: 'Edit…' }).click();
    const modal = page.locator('#modal-layer.open form.modal');
    await modal.waitFor();
    // The evidence is quoted above the input.
    await modal.locator('blockquote', { hasText: '120 seats' }).waitFor();
    // Seats are a whole number, never below 0: -5 is refused on the form, which keeps it.
    await modal.locator('input[type=number]').fill('-5');
    await modal.getByRole('button', { name: 'Approve' }).click();
    await modal.locator('[role=alert]', { hasText: "below the field's minimum of 0" }).waitFor();
    expect(await page.locator('#modal-layer.open input[type=number]').inputValue()).toBe('-5');
    await page.locator('#modal-layer.open input[type=number]').fill('150');
    expect(await page.locator('#modal-layer.open .unsupported').count()).toBe(0);
    await shot('3-edit-modal');
    await page.locator('#modal-layer.open').getByRole('button', { name: 'Approve' }).click();
    await edit.getByText('150 (edited from 120)').waitFor();
    await page.locator('#modal-layer.open').waitFor({ state: 'detached' });

    const reject = card('Next step', 'Northwind Traders');
    await reject.getByRole('button', { name: 'Reject' }).click();
    await reject.getByText('Rejected').waitFor();

    await actAs('U0SAM');
    const strangers = card('Close date', 'Northwind Traders');
    await strangers.getByRole('button', { name: 'Approve' }).click();
    const refusal = page.locator('.msg.ephemeral', {
      hasText: 'Only the deal owner or a configured approver',
    });
    await refusal.waitFor();
    await reveal(refusal);
    await shot('4-stranger-refused');

    await actAs('U0ANA');
    await page.fill('#composer-text', '/deal-summary d01');
    await page.press('#composer-text', 'Enter');
    await page.locator('.msg.typed', { hasText: '/deal-summary d01' }).waitFor();
    // The bot answers through the response_url, to Ana only, with the CRM's current values.
    const answer = page.locator('.msg.ephemeral', { hasText: /Seats: 150/ });
    await answer.waitFor();
    await reveal(answer);
    await shot('5-deal-summary');
    // A select menu on an ephemeral message: "why does Seats say that?" answers with its history.
    await answer.locator('select[data-select]').selectOption({ label: 'Seats' });
    const why = page.locator('.msg.ephemeral', { hasText: 'Why: Seats on Northwind Traders' });
    await why.waitFor();
    await reveal(why);
    await shot('6-why-seats');
    await demo.idle();

    expect(await property('d15', 'closedate')).toBe('2027-01-15');
    expect(await property('d01', 'seats')).toBe(150);
    expect(await property('d01', 'next_step')).toBe('');
    expect(await property('d01', 'closedate')).toBeNull();
    expect(await strangers.getByRole('button', { name: 'Approve' }).count()).toBe(1);

    const rows: Array<{ record_id: string; field: string; action: string; actor: string }> = [];
    for await (const r of readProvenance(demo.database.db, {})) rows.push(r);
    const actions = (dealId: string, field: string) =>
      rows
        .filter((r) => r.record_id === dealId && r.field === field && !r.actor.startsWith('agent'))
        .map((r) => `${r.actor}:${r.action}`);
    expect(actions('d15', 'closedate')).toEqual([
      'slack:U0ANA:approved',
      expect.stringMatching(/:applied$/),
    ]);
    expect(actions('d01', 'seats')).toEqual([
      'slack:U0ANA:edited',
      expect.stringMatching(/:applied$/),
    ]);
    expect(actions('d01', 'next_step')).toEqual(['slack:U0ANA:rejected']);
    expect(actions('d01', 'closedate')).toEqual(['slack:U0SAM:denied']);

    // Undo on the applied card asks first, in Slack's confirmation dialog, then restores.
    await actAs('U0ANA');
    await openChannel('Scout ↔ Ana Ruiz');
    await approve.getByRole('button', { name: 'Undo' }).click();
    const sure = page.locator('#confirm-layer.open [role=alertdialog]');
    await sure.getByText('Undo this change?').waitFor();
    await shot('7-confirm-undo');
    await sure.getByRole('button', { name: 'Undo' }).click();
    await approve.getByText('the value from before the approval is back').waitFor();
    await demo.idle();
    expect(await property('d15', 'closedate')).toBeNull();
  });

  it('renders everything the bot posted, in every channel and DM for every person, with no unsupported block', async () => {
    const { users, channels, messages, ephemerals } = demo.sandbox.workspace;
    let seen = 0;
    for (const channel of channels.values())
      for (const user of users) {
        await page.goto(`${demo.sandbox.url}/?channel=${channel.id}&as=${user.id}`);
        const shown = page.locator('#messages .msg');
        const expected =
          messages.filter((m) => m.channel === channel.id).length +
          ephemerals.filter((e) => e.channel === channel.id && e.user === user.id).length;
        expect(await shown.count(), `${channel.name} as ${user.name}`).toBe(expected);
        expect(
          await page.locator('#messages .unsupported').count(),
          `unsupported Block Kit in ${channel.name} as ${user.name}`,
        ).toBe(0);
        seen += expected;
      }
    expect(channels.size).toBeGreaterThanOrEqual(4);
    expect(seen).toBeGreaterThan(0);
  });

  it('names people and fields as people read them: no user id or property key in any message, reply or view', async () => {
    const shown = textsShown(demo.sandbox.workspace, demo.sandbox.api.calls);
    const properties = await demo.crm.listPropertyDefs();
    expect(shown.length).toBeGreaterThan(20);
    expect(properties.map((p) => p.name)).toEqual(
      expect.arrayContaining(['closedate', 'next_step']),
    );
    expect(
      idsAndKeysShown(shown, {
        userIds: (await demo.crm.listUsers()).map((u) => u.id),
        properties,
      }),
    ).toEqual([]);
    // The scan finds what it looks for.
    expect(
      idsAndKeysShown(
        [{ where: 'x', text: 'pending: u_raj, closedate, from a email_reply, <@U0ANA>' }],
        {
          userIds: ['u_raj'],
          properties,
        },
      ),
    ).toHaveLength(4);
  });

  it("kept every Web API call the bot made within Slack's published method contracts", () => {
    const ajv = new Ajv({ strict: false, coerceTypes: true, allErrors: true });
    const problems: string[] = [];
    for (const call of demo.sandbox.api.calls) {
      const file = vendorPath(`specs/slack/methods/${call.method}.json`);
      const spec = JSON.parse(readFileSync(file, 'utf8')) as { args: object };
      // The client form-encodes like Slack wants: `blocks` a JSON string, `view` a JSON string the spec reads as an object.
      const args: Record<string, unknown> = { ...call.args };
      if (typeof args.view === 'string') args.view = JSON.parse(args.view);
      const validate = ajv.compile(spec.args);
      if (!validate(args)) problems.push(`${call.method}: ${ajv.errorsText(validate.errors)}`);
      if (typeof args.blocks === 'string')
        problems.push(
          ...checkBlocks(JSON.parse(args.blocks), 'message').map((p) => `${call.method}: ${p}`),
        );
      if (args.view)
        problems.push(
          ...checkView(args.view as Record<string, unknown>).map((p) => `${call.method}: ${p}`),
        );
    }
    expect(demo.sandbox.api.calls.map((c) => c.method)).toContain('views.open');
    expect(problems).toEqual([]);
  });
});
