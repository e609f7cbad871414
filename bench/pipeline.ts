// The spine's throughput on the local CRM with the replay extractor.
// Seeds a fresh database per size, then measures a dry run and a live run in child
// processes (so peak RSS is the run's own), and prints a table.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generatePipeline } from './generate.js';
import { seededDatabase } from './seeded-database.js';
import { printTable } from './table.js';

const SIZES = (process.env.BENCH_DEALS ?? '2000,10000').split(',').map(Number);
const NOTES = 5;
const here = fileURLToPath(new URL('.', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'scout-bench-'));

export async function benchPipeline(): Promise<void> {
  const rows: string[][] = [];
  for (const size of SIZES) {
    const { seed, replay } = generatePipeline(size, NOTES);
    const seedPath = join(dir, `seed-${size}.json`);
    const replayPath = join(dir, `replay-${size}.json`);
    writeFileSync(seedPath, JSON.stringify(seed));
    writeFileSync(replayPath, JSON.stringify(replay));
    const { url, drop } = await seededDatabase(`scout_bench_${process.pid}_${size}`, seedPath);
    try {
      for (const mode of ['dry', 'live'] as const) {
        const out = execFileSync(
          process.execPath,
          ['--import', 'tsx', join(here, 'measure-run.ts'), url, replayPath, mode],
          { encoding: 'utf8' },
        );
        const r = JSON.parse(out) as {
          scanned: number;
          seconds: number;
          queries: number;
          written: number;
          wouldWrite: number;
          maxRssMb: number;
          cpuMs: number;
        };
        rows.push([
          String(size),
          mode,
          r.seconds.toFixed(2),
          (r.scanned / r.seconds).toFixed(0),
          (r.queries / r.scanned).toFixed(3),
          String(mode === 'live' ? r.written : r.wouldWrite),
          r.maxRssMb.toFixed(0),
          (r.cpuMs / r.scanned).toFixed(3),
        ]);
      }
    } finally {
      await drop();
    }
  }

  console.log(
    `run-extraction, local CRM, replay extractor, ${NOTES} notes per deal (targets: ≥ 500 deals/s, < 300 MB, round trips flat)`,
  );
  printTable(
    [
      'deals',
      'run',
      'seconds',
      'deals/s',
      'db round trips/deal',
      'writes',
      'peak RSS MB',
      'node CPU ms/deal',
    ],
    rows,
  );
}
