// The spine's throughput on the local CRM with the replay extractor.
// Seeds a fresh database per size, then measures a dry run and a live run in child
// processes (so peak RSS is the run's own), and prints a table.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { createLocalCrm } from '../src/crm/local-crm.js';
import { seedLocalCrm } from '../src/crm/local-crm-admin.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../src/policy-file.js';
import { setupFields } from '../src/services/setup-fields.js';
import { generatePipeline } from './generate.js';
import { printTable } from './table.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SIZES = (process.env.BENCH_DEALS ?? '2000,10000').split(',').map(Number);
const NOTES = 5;
const here = fileURLToPath(new URL('.', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'scout-bench-'));

function urlFor(name: string) {
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function benchPipeline(): Promise<void> {
  const rows: string[][] = [];
  for (const size of SIZES) {
    const name = `scout_bench_${process.pid}_${size}`;
    const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.unsafe(`create database "${name}"`);
    try {
      const url = urlFor(name);
      await runMigrations(url);
      const { seed, replay } = generatePipeline(size, NOTES);
      const seedPath = join(dir, `seed-${size}.json`);
      const replayPath = join(dir, `replay-${size}.json`);
      writeFileSync(seedPath, JSON.stringify(seed));
      writeFileSync(replayPath, JSON.stringify(replay));
      const db = openDatabase(url);
      await seedLocalCrm(db.db, seedPath);
      await setupFields(
        {
          crm: createLocalCrm(db.db),
          policy: loadPolicyFile(DEFAULT_POLICY_PATH),
          liveWrites: '1',
          isPaused: async () => false,
        },
        { apply: true },
      );
      await db.close();
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
        };
        rows.push([
          String(size),
          mode,
          r.seconds.toFixed(2),
          (r.scanned / r.seconds).toFixed(0),
          (r.queries / r.scanned).toFixed(3),
          String(mode === 'live' ? r.written : r.wouldWrite),
          r.maxRssMb.toFixed(0),
        ]);
      }
    } finally {
      await admin.unsafe(`drop database if exists "${name}" with (force)`);
      await admin.end();
    }
  }

  console.log(
    `run-extraction, local CRM, replay extractor, ${NOTES} notes per deal (targets: ≥ 500 deals/s, < 300 MB, round trips flat)`,
  );
  printTable(
    ['deals', 'run', 'seconds', 'deals/s', 'db round trips/deal', 'writes', 'peak RSS MB'],
    rows,
  );
}
