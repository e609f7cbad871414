import { mkdtempSync, writeFileSync } from 'node:fs';
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
      'ok  Reject left d01 next step empty',
      'ok  a stranger was refused: the card is still pending and the CRM unchanged',
      'ok  /deal-summary reached the bot through a signed request (HTTP 200)',
      'ok  /deal-summary d01 answered Ana with the deal as the CRM now has it (seats 150)',
      "ok  provenance: the stranger's attempt is logged as denied",
    ])
      expect(lines.some((l) => l.startsWith(fact))).toBe(true);
    expect(lines.at(-2)).toBe(
      'scout demo --check: everything above was verified; the demo works on this machine',
    );
    // About 12 s alone; the margin is for a machine busy with the rest of the suite.
  }, 120_000);

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
