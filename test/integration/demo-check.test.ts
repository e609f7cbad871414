import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scout } from '../support/cli.js';

describe('scout demo', () => {
  it('--check runs the whole flow on embedded defaults in a fresh directory and exits 0', async () => {
    // No DATABASE_URL, no REDIS_URL, no API key: exactly a fresh machine after `npm ci`.
    const result = await scout(['demo', '--check'], {});
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.split('\n');
    for (const fact of [
      'ok  started database: embedded Postgres (PGlite)',
      'ok  started jobs: inline, in this process (no REDIS_URL)',
      'ok  the dry run left the CRM unchanged',
      'ok  Approve wrote d15 close date 2027-01-15',
      'ok  Edit… → 150 → Approve wrote d01 seats 150',
      // The field's policy rules (min 0, whole numbers) refuse on the form and keep the input.
      'ok  Edit… → -5 was refused on the Seats form (-5 is below the field',
      // Undo on an applied card, from the sandbox, through the demo's own wiring.
      "ok  the applied card offers Undo, behind Slack's confirmation dialog",
      'ok  Undo on the card put d15 close date back to',
      'ok  provenance: d15 close date undone from Slack',
      'ok  Reject left d01 next step empty',
      'ok  a stranger was refused: the card is still pending and the CRM unchanged',
      'ok  /deal-summary reached the bot through a signed request (HTTP 200)',
      'ok  /deal-summary d01 answered Ana with the deal as the CRM now has it (seats 150)',
      "ok  provenance: the stranger's attempt is logged as denied",
      // Every kind of edit form, not only a number.
      'ok  Edit… → date picker 2027-02-12 → Approve wrote d01 close date 2027-02-12',
      'ok  the d08 Sales engineer card names the person (Raj Patel), not the CRM id u_raj',
      'ok  Edit… → person picker Ben Okafor → Approve wrote d08 sales engineer u_ben',
      'ok  Edit… → select "commit" → Approve wrote d10 forecast category commit',
      // The approver decides another rep's card, and the log says it was her.
      "ok  Dana (an approver, not the owner) approved Ben's d04 close date card",
      'ok  provenance: the d04 approval is attributed to Dana (slack:U0LEAD)',
      // Each tricky sample case, through the guard that handles it.
      'ok  d04: the rep-filled close date is not overwritten; the card shows both values',
      'ok  d05: the ambiguous date (03/04) was skipped for low confidence, with no card',
      'ok  d06: the misquoted metric (40 percent vs 40%) was dropped by the citation gate',
      'ok  d07: the stage change without evidence was denied',
      'ok  /deal-summary d04 why close date shows how it was handled',
      'ok  /deal-summary d05 why close date shows how it was handled',
      'ok  /deal-summary d06 why metrics shows how it was handled',
      // The injection is stopped by a guard of its own, and its IBAN reaches nothing.
      'ok  d03: the injected IBAN finding was dropped on its own: its field is not in the policy',
      'ok  d03: the injected amount and stage changes were denied',
      'ok  no proposal, CRM write, CRM value, card or message carries the injected IBAN',
      // Issue 18: people and fields by name, in everything the demo showed.
      'ok  every message, reply and view names people and fields, with no user id or property key',
    ])
      expect(
        lines.some((l) => l.startsWith(fact)),
        fact,
      ).toBe(true);
    expect(lines.at(-2)).toBe(
      'scout demo --check: everything above was verified; the demo works on this machine',
    );
    // About 20 s alone; the margin is for a machine busy with the rest of the suite.
  }, 120_000);

  it('a taken port is one plain line suggesting --port 0, and exit 2', async () => {
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', r));
    const port = (taken.address() as { port: number }).port;
    try {
      const dir = mkdtempSync(join(tmpdir(), 'scout-demo-port-'));
      const result = await scout(['demo', '--port', String(port), '--data-dir', dir], {});
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`scout: port ${port} is in use; try --port 0 for any free port\n`);
    } finally {
      await new Promise((r) => taken.close(r));
    }
  });

  it('--dump says plainly when the data directory holds no demo yet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scout-demo-empty-'));
    const result = await scout(['demo', '--dump', '--data-dir', dir], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('no demo data in');
  });

  it('refuses a data directory another live demo is using', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scout-demo-busy-'));
    // The parent of this test process is alive for the whole test: it stands in for a running demo.
    writeFileSync(join(dir, 'demo.pid'), String(process.ppid));
    const result = await scout(['demo', '--dump', '--data-dir', dir], {});
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`a Scout demo (pid ${process.ppid}) is using`);
  });
});
