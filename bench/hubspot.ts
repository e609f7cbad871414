import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { openHubSpotCrm } from '../src/crm/hubspot/open-hubspot-crm.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { loadReplayFile } from '../src/extraction/replay-extractor.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../src/policy-file.js';
import { runExtraction } from '../src/services/run-extraction.js';
import { setupFields } from '../src/services/setup-fields.js';
import { startHubSpotStandIn } from '../test/support/hubspot-stand-in.js';
import { numericPipeline } from '../test/support/hubspot-stand-in-seed.js';
import { benchRunDeps } from './run-deps.js';
import { printTable } from './table.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DEALS = Number(process.env.BENCH_HUBSPOT_DEALS ?? 10_000);
const LATENCY_MS = 50;
const BUDGET = { requests: 100, windowMs: 10_000 };

export async function benchHubSpot(): Promise<void> {
  const name = `scout_bench_h_${process.pid}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  await admin.unsafe(`create database "${name}"`);
  const standIn = await startHubSpotStandIn();
  const hubspot = openHubSpotCrm({
    token: standIn.token,
    baseUrl: standIn.url,
    budget: BUDGET,
    searchBudget: { requests: 4, windowMs: 1000 },
    keyPrefix: `bench-${process.pid}`,
    ...(process.env.BENCH_REDIS_URL ? { redisUrl: process.env.BENCH_REDIS_URL } : {}),
  });
  try {
    const url = u.toString();
    await runMigrations(url);
    const { seed, replay } = numericPipeline(DEALS, 5);
    standIn.load(seed);
    standIn.latencyMs = LATENCY_MS;
    standIn.rateLimit = BUDGET;
    const dir = mkdtempSync(join(tmpdir(), 'scout-bench-h-'));
    writeFileSync(join(dir, 'replay.json'), JSON.stringify(replay));
    const db = openDatabase(url);
    const policy = loadPolicyFile(DEFAULT_POLICY_PATH);
    const crm = hubspot.crm;
    await setupFields(
      { crm, policy, liveWrites: '1', isPaused: async () => false },
      { apply: true },
    );
    const deps = {
      ...benchRunDeps({
        db: db.db,
        crm,
        policy,
        extractor: loadReplayFile(join(dir, 'replay.json')),
        live: true,
      }),
      concurrency: 8,
    };
    const redis = process.env.BENCH_REDIS_URL !== undefined;
    const rows: string[][] = [];
    for (const label of ['first run (writes)', 're-run, nothing new']) {
      const before = standIn.requests.length;
      const started = performance.now();
      const s = await runExtraction(deps, { apply: true });
      const seconds = (performance.now() - started) / 1000;
      const sent = standIn.requests.slice(before);
      const calls = s.hubspot_api_calls ?? sent.length;
      const floor = (calls / BUDGET.requests) * (BUDGET.windowMs / 1000);
      rows.push([
        label,
        String(s.scanned),
        String(s.counts.written),
        String(calls),
        (calls / s.scanned).toFixed(3),
        String(sent.filter((r) => r.status === 429).length),
        seconds.toFixed(1),
        floor.toFixed(1),
        (seconds / floor).toFixed(2),
      ]);
    }
    await db.close();
    console.log(
      `\nHubSpot adapter against the stand-in (${LATENCY_MS} ms per request, limit ${BUDGET.requests} per ${BUDGET.windowMs / 1000} s, budget kept ${redis ? 'in Redis' : 'in memory'}: each request counts until 10 s after its answer)`,
    );
    printTable(
      [
        'run',
        'deals',
        'written',
        'API calls',
        'calls/deal',
        '429s',
        'seconds',
        'floor s',
        '× floor',
      ],
      rows,
    );
  } finally {
    await hubspot.close();
    await standIn.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}
