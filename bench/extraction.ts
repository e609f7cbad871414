import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { createLocalCrm } from '../src/crm/local-crm.js';
import { seedLocalCrm } from '../src/crm/local-crm-admin.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { crmNotes } from '../src/db/schema.js';
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
const MODEL = 'claude-sonnet-5-5';
/** `BENCH_CACHE_FLOOR=off` caches any prefix, as the stand-in did before it modelled the floor. */
const FLOOR_OFF = process.env.BENCH_CACHE_FLOOR === 'off';

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
          model: MODEL,
        }),
        live: true,
      }),
      concurrency: 8,
    };
    if (FLOOR_OFF) api.cacheFloor = () => 0;
    const rows: string[][] = [];
    const runs = [
      { label: 'first run', before: async () => {} },
      { label: 're-run, one new note per deal', before: () => addOneNotePerDeal(db.db) },
    ];
    for (const { label, before: prepare } of runs) {
      await prepare();
      const before = api.requests.length;
      const started = performance.now();
      const s = await runExtraction(deps, { apply: true });
      const seconds = (performance.now() - started) / 1000;
      const calls = api.requests.length - before;
      const inputs =
        s.usage.input_tokens +
        s.usage.cache_read_input_tokens +
        s.usage.cache_creation_input_tokens;
      const cost = s.estimated_cost_usd;
      rows.push([
        label,
        String(s.scanned),
        String(calls),
        (inputs / s.scanned).toFixed(0),
        inputs === 0 ? '—' : `${((s.usage.cache_read_input_tokens / inputs) * 100).toFixed(1)}%`,
        cost === null ? '—' : `$${(cost / s.scanned).toFixed(5)}`,
        cost === null ? '—' : `$${((cost / s.scanned) * 1000).toFixed(2)}`,
        seconds.toFixed(2),
      ]);
    }
    await db.close();
    console.log(
      `\nClaude extractor (${MODEL}) against the stand-in, cache floor ${FLOOR_OFF ? 'OFF' : `ON (${api.cacheFloor(MODEL)} tokens)`} (${LATENCY_MS} ms per call, concurrency 8; tokens estimated as characters/4)`,
    );
    printTable(
      [
        'run',
        'deals',
        'model calls',
        'input tokens/deal',
        'read from cache',
        'est. cost/deal',
        'est. cost per 1,000 deals',
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

/** One new call note per deal, dated after every generated note, so each deal has exactly one fresh note. */
async function addOneNotePerDeal(db: ReturnType<typeof openDatabase>['db']): Promise<void> {
  const rows = Array.from({ length: DEALS }, (_, i) => ({
    id: `d${i}n-new`,
    dealId: `d${i}`,
    type: 'call' as const,
    createdAt: new Date(Date.UTC(2026, 10, 1, 12)),
    body: `Follow-up on deal ${i}. Person ${i} confirmed the budget sign-off again. Next step: pricing review. ${'Lorem ipsum dolor sit amet. '.repeat(6)}`,
  }));
  for (let i = 0; i < rows.length; i += 500)
    await db.insert(crmNotes).values(rows.slice(i, i + 500));
}
