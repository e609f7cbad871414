import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { openSalesforceCrm } from '../src/crm/salesforce/open-salesforce-crm.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { loadReplayFile } from '../src/extraction/replay-extractor.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../src/policy-file.js';
import { runExtraction } from '../src/services/run-extraction.js';
import { setupFields } from '../src/services/setup-fields.js';
import { numericPipeline } from '../test/support/hubspot-stand-in-seed.js';
import { startSalesforceStandIn } from '../test/support/salesforce-stand-in.js';
import { benchRunDeps } from './run-deps.js';
import { printTable } from './table.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DEALS = Number(process.env.BENCH_SALESFORCE_DEALS ?? 10_000);
const LATENCY_MS = 50;

/**
 * `scout run` through the Salesforce adapter against the stand-in answering every request
 * after 50 ms: API calls per deal on a first run (which writes) and a re-run with nothing
 * new, how the writes were sent, and wall time.
 */
export async function benchSalesforce(): Promise<void> {
  const name = `scout_bench_sf_${process.pid}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  await admin.unsafe(`create database "${name}"`);
  const standIn = await startSalesforceStandIn();
  const { crm } = openSalesforceCrm({
    SALESFORCE_LOGIN_URL: standIn.url,
    SALESFORCE_INSTANCE_URL: standIn.url,
    SALESFORCE_ACCESS_TOKEN: standIn.accessToken,
    SALESFORCE_CLIENT_ID: undefined,
    SALESFORCE_USERNAME: undefined,
    SALESFORCE_PRIVATE_KEY_FILE: undefined,
    SALESFORCE_API_RESERVE: 1000,
  });
  try {
    const url = u.toString();
    await runMigrations(url);
    const { seed, replay } = numericPipeline(DEALS, 5);
    standIn.load(seed);
    standIn.latencyMs = LATENCY_MS;
    const dir = mkdtempSync(join(tmpdir(), 'scout-bench-sf-'));
    writeFileSync(join(dir, 'replay.json'), JSON.stringify(replay));
    const db = openDatabase(url);
    const policy = loadPolicyFile(DEFAULT_POLICY_PATH);
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
    const rows: string[][] = [];
    for (const label of ['first run (writes)', 're-run, nothing new']) {
      const before = standIn.requests.length;
      const callsBefore = crm.apiCalls();
      const started = performance.now();
      const s = await runExtraction(deps, { apply: true });
      const seconds = (performance.now() - started) / 1000;
      const sent = standIn.requests.slice(before);
      const calls = crm.apiCalls() - callsBefore;
      const collections = sent.filter((r) => r.path.endsWith('/composite/sobjects'));
      const records = collections.reduce(
        (n, r) => n + ((r.body as { records?: unknown[] }).records?.length ?? 0),
        0,
      );
      rows.push([
        label,
        String(s.scanned),
        String(s.counts.written),
        String(calls),
        (calls / s.scanned).toFixed(3),
        String(sent.filter((r) => r.path.endsWith('/query')).length),
        `${collections.length} (${collections.length ? (records / collections.length).toFixed(0) : 0}/req)`,
        String(
          sent.filter((r) => r.method === 'PATCH' && r.path.includes('/sobjects/Opportunity/'))
            .length,
        ),
        seconds.toFixed(1),
      ]);
    }
    await db.close();
    console.log(
      `\nSalesforce adapter against the stand-in (${DEALS} opportunities × 5 activities, ${LATENCY_MS} ms per request)`,
    );
    printTable(
      [
        'run',
        'deals',
        'written',
        'API calls',
        'calls/deal',
        'queries',
        'Collections (records/req)',
        'single PATCHes',
        'seconds',
      ],
      rows,
    );
  } finally {
    await standIn.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}
