import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { createLocalCrm } from '../src/crm/local-crm.js';
import { seedLocalCrm } from '../src/crm/local-crm-admin.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { createAnthropicExtractor } from '../src/extraction/anthropic-extractor.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../src/policy-file.js';
import { runExtraction } from '../src/services/run-extraction.js';
import { setupFields } from '../src/services/setup-fields.js';
import { dealNameOf, startAnthropicStandIn } from '../test/support/anthropic-stand-in.js';
import { generatePipeline } from './generate.js';
import { benchRunDeps } from './run-deps.js';
import { printTable } from './table.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DEALS = Number(process.env.BENCH_EXTRACTION_DEALS ?? 100);
const LATENCY_MS = 50;

export async function benchExtraction(): Promise<void> {
  const name = `scout_bench_x_${process.pid}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  await admin.unsafe(`create database "${name}"`);
  const api = await startAnthropicStandIn();
  try {
    const url = u.toString();
    await runMigrations(url);
    const { seed, replay } = generatePipeline(DEALS, 5);
    const dir = mkdtempSync(join(tmpdir(), 'scout-bench-x-'));
    writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
    const db = openDatabase(url);
    await seedLocalCrm(db.db, join(dir, 'seed.json'));
    const policy = loadPolicyFile(DEFAULT_POLICY_PATH);
    const crm = createLocalCrm(db.db);
    await setupFields(
      { crm, policy, liveWrites: '1', isPaused: async () => false },
      { apply: true },
    );
    api.latencyMs = LATENCY_MS;
    api.reply = (request) => ({
      kind: 'findings',
      findings: replay[`d${dealNameOf(request)?.replace('Deal ', '')}`] ?? [],
    });
    const deps = {
      ...benchRunDeps({
        db: db.db,
        crm,
        policy,
        extractor: createAnthropicExtractor({
          apiKey: api.apiKey,
          baseURL: api.url,
          model: 'claude-sonnet-5-5',
        }),
        live: true,
      }),
      concurrency: 8,
    };
    const rows: string[][] = [];
    for (const label of ['first run', 're-run, no new notes']) {
      const before = api.requests.length;
      const started = performance.now();
      const s = await runExtraction(deps, { apply: true });
      const seconds = (performance.now() - started) / 1000;
      const calls = api.requests.length - before;
      const inputs =
        s.usage.input_tokens +
        s.usage.cache_read_input_tokens +
        s.usage.cache_creation_input_tokens;
      rows.push([
        label,
        String(s.scanned),
        String(calls),
        (calls / s.scanned).toFixed(2),
        (inputs / s.scanned).toFixed(0),
        inputs === 0 ? '—' : `${((s.usage.cache_read_input_tokens / inputs) * 100).toFixed(1)}%`,
        s.estimated_cost_usd === null ? '—' : `$${s.estimated_cost_usd.toFixed(4)}`,
        seconds.toFixed(2),
      ]);
    }
    await db.close();
    console.log(
      `\nClaude extractor against the stand-in (${LATENCY_MS} ms per call, concurrency 8; tokens estimated as characters/4)`,
    );
    printTable(
      [
        'run',
        'deals',
        'model calls',
        'calls/deal',
        'input tokens/deal',
        'read from cache',
        'est. cost',
        'seconds',
      ],
      rows,
    );
  } finally {
    await api.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}
