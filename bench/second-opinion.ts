// The injection screen's second opinion: model calls and tokens per 1,000 deals.
// Generated deals through the real runExtraction (replay extractor), with the second opinion
// asking the Messages API stand-in; once under the shipped policy, once with next_step opted
// in to auto. Tokens are the stand-in's estimate (characters / 4).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { createLocalCrm } from '../src/crm/local-crm.js';
import { seedLocalCrm } from '../src/crm/local-crm-admin.js';
import { openDatabase } from '../src/db/client.js';
import { runMigrations } from '../src/db/migrate.js';
import { estimateCost } from '../src/domain/model-pricing.js';
import { emptyUsage } from '../src/domain/run-summary.js';
import { parseReplayText } from '../src/extraction/replay-extractor.js';
import { createClaudeSecondOpinion } from '../src/extraction/second-opinion.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../src/policy-file.js';
import { runExtraction } from '../src/services/run-extraction.js';
import { setupFields } from '../src/services/setup-fields.js';
import { startAnthropicStandIn } from '../test/support/anthropic-stand-in.js';
import { generatePipeline } from './generate.js';
import { benchRunDeps } from './run-deps.js';
import { printTable } from './table.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const DEALS = Number(process.env.BENCH_SCREEN_DEALS ?? 1000);
const MODEL = 'claude-haiku-4-5';
const AUTO_POLICY = fileURLToPath(
  new URL('../test/fixtures/auto-next-step.policy.yml', import.meta.url),
);

export async function benchSecondOpinion(): Promise<void> {
  const rows: string[][] = [];
  for (const [label, policyPath] of [
    ['shipped default (no auto field)', DEFAULT_POLICY_PATH],
    ['next_step opted in to auto', AUTO_POLICY],
  ] as const) {
    rows.push([label, ...(await measure(policyPath))]);
  }
  console.log(
    `\nInjection screen second opinion (${MODEL}), ${DEALS} generated deals × 5 notes, 5 findings each; tokens estimated as characters/4`,
  );
  printTable(
    [
      'policy',
      'calls per 1,000 deals',
      'input tokens per 1,000 deals',
      'output tokens per 1,000 deals',
      'est. cost per 1,000 deals',
    ],
    rows,
  );
}

async function measure(policyPath: string): Promise<string[]> {
  const name = `scout_bench_so_${process.pid}`;
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} });
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  await admin.unsafe(`create database "${name}"`);
  const api = await startAnthropicStandIn();
  api.reply = () => ({ kind: 'text', text: 'FACT' });
  try {
    const url = u.toString();
    await runMigrations(url);
    const { seed, replay } = generatePipeline(DEALS, 5);
    const dir = mkdtempSync(join(tmpdir(), 'scout-bench-so-'));
    writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
    const db = openDatabase(url);
    await seedLocalCrm(db.db, join(dir, 'seed.json'));
    const policy = loadPolicyFile(policyPath);
    const crm = createLocalCrm(db.db);
    await setupFields(
      { crm, policy, liveWrites: '1', isPaused: async () => false },
      { apply: true },
    );
    const claude = createClaudeSecondOpinion({
      apiKey: api.apiKey,
      baseURL: api.url,
      model: MODEL,
    });
    const usage = emptyUsage();
    const summary = await runExtraction(
      {
        ...benchRunDeps({
          db: db.db,
          crm,
          policy,
          extractor: parseReplayText(JSON.stringify(replay), 'bench'),
          live: true,
        }),
        secondOpinion: {
          model: MODEL,
          classify: async (passage) => {
            const verdict = await claude.classify(passage);
            usage.input_tokens += verdict.usage.input_tokens;
            usage.output_tokens += verdict.usage.output_tokens;
            return verdict;
          },
        },
      },
      { apply: true },
    );
    await db.close();
    const per = 1000 / summary.scanned;
    const cost = estimateCost(usage, MODEL);
    return [
      (api.requests.length * per).toFixed(0),
      (usage.input_tokens * per).toFixed(0),
      (usage.output_tokens * per).toFixed(0),
      cost === null ? '—' : `$${(cost * per).toFixed(4)}`,
    ];
  } finally {
    await api.close();
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
  }
}
