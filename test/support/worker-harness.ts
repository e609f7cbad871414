import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { generatePipeline } from '../../bench/generate.js';
import { createStores } from '../../src/app-context.js';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createProposalStore } from '../../src/db/proposal-store.js';
import { createRunDigestReader } from '../../src/db/run-digest-query.js';
import { createRunLedger } from '../../src/db/run-ledger.js';
import { proposals } from '../../src/db/schema.js';
import { loadReplayFile } from '../../src/extraction/replay-extractor.js';
import type { Timings } from '../../src/jobs/background-work.js';
import { type BullJobsOptions, createBullJobs } from '../../src/jobs/bullmq-jobs.js';
import { createInlineJobs } from '../../src/jobs/inline-jobs.js';
import { type Runtime, startRuntime } from '../../src/jobs/runtime.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import { entry } from '../../src/services/decide-proposal.js';
import type { CrmPort, PropertyWrite, WriteResult } from '../../src/services/ports/crm.js';
import type { ExtractorPort } from '../../src/services/ports/extractor.js';
import type { JobSystem, Schedule } from '../../src/services/ports/job-system.js';
import type { Notifier } from '../../src/services/ports/notifier.js';
import { recordDecision } from '../../src/services/record-decision.js';
import { createNotifier } from '../../src/slack/notifier.js';
import { AUTO_NEXT_STEP_POLICY } from './scout-env.js';
import type { TestDatabase } from './test-database.js';

export const FAST_TIMINGS: Timings = {
  relayMs: 50,
  reconcileMs: 200,
  graceMs: 300,
  heartbeatMs: 200,
  alertAfterMs: 60_000,
};

/** A synthetic pipeline written to files the CLI and the replay extractor can read. */
export function pipelineFiles(deals: number, notesPerDeal: number) {
  const dir = mkdtempSync(join(tmpdir(), 'scout-pipeline-'));
  const { seed, replay } = generatePipeline(deals, notesPerDeal);
  const seedPath = join(dir, 'seed.json');
  const replayPath = join(dir, 'replay.json');
  writeFileSync(seedPath, JSON.stringify(seed));
  writeFileSync(replayPath, JSON.stringify(replay));
  return { seedPath, replayPath };
}

/** Wraps an extractor with a fixed latency, as a model call has. */
export function slowExtractor(inner: ExtractorPort, delayMs: number): ExtractorPort {
  return {
    model: inner.model,
    extract: async (request) => {
      await new Promise((r) => setTimeout(r, delayMs));
      return inner.extract(request);
    },
  };
}

/** The CRM, tallying each field write that landed as `deal/field`: a duplicate write shows as 2. */
export function tallyingCrm(inner: CrmPort): { crm: CrmPort; writes: Map<string, number> } {
  const writes = new Map<string, number>();
  const tally = (batch: readonly PropertyWrite[], results: readonly WriteResult[]) => {
    for (const [i, w] of batch.entries()) {
      if (results[i]?.status !== 'written') continue;
      const key = `${w.dealId}/${w.property}`;
      writes.set(key, (writes.get(key) ?? 0) + 1);
    }
    return [...results];
  };
  const { atomic } = inner;
  const crm: CrmPort = {
    ...inner,
    writeProperties: async (batch) => tally(batch, await inner.writeProperties(batch)),
    // The local CRM writes inside the transaction that logs the write: counted there too.
    ...(atomic
      ? {
          atomic: {
            ...atomic,
            writeProperties: async (tx, batch) =>
              tally(batch, await atomic.writeProperties(tx, batch)),
          },
        }
      : {}),
  };
  return { crm, writes };
}

export function uniquePrefix(): string {
  return `t${randomUUID().replace(/-/g, '').slice(0, 12)}`;
}

/** A Web API client of the Slack stand-in, without retries. */
export function slackClient(slack: { token: string; url: string }): WebClient {
  return new WebClient(slack.token, {
    slackApiUrl: `${slack.url.replace(/\/$/, '')}/`,
    retryConfig: { retries: 0 },
  });
}

/** The notifier a test worker posts with: the Slack stand-in, ops in C0OPS, no pacing unless asked. */
export function testNotifier(input: {
  database: TestDatabase;
  crm: CrmPort;
  slack: { token: string; url: string };
  minIntervalMs?: number;
  client?: WebClient;
}): Notifier {
  return createNotifier({
    client: input.client ?? slackClient(input.slack),
    proposals: createProposalStore(input.database.db),
    runDigest: createRunDigestReader(input.database.db),
    crm: input.crm,
    policy: loadPolicyFile(AUTO_NEXT_STEP_POLICY),
    logger: pino({ level: 'silent' }),
    opsChannel: 'C0OPS',
    approvalsChannel: 'C0APPROVALS',
    minIntervalMs: input.minIntervalMs ?? 0,
  });
}

/** A worker in this process, on BullMQ (with a Redis URL) or inline, as `scout worker` composes it. */
export async function startTestWorker(input: {
  database: TestDatabase;
  replayPath: string;
  redisUrl?: string;
  prefix?: string;
  liveWrites?: string;
  slack?: { token: string; url: string };
  extractDelayMs?: number;
  /** Wraps the replay extractor (after the delay, if any): a test's faults. */
  extractor?: (replay: ExtractorPort) => ExtractorPort;
  crm?: CrmPort;
  schedules?: Schedule[];
  timings?: Partial<Timings>;
  lockMs?: number;
  retries?: BullJobsOptions['retries'];
  undoWindowHours?: number;
}): Promise<{ runtime: Runtime; jobs: JobSystem; prefix: string }> {
  const { db } = input.database;
  const logger = pino({ level: 'silent' });
  const prefix = input.prefix ?? uniquePrefix();
  const jobs = input.redisUrl
    ? await createBullJobs({
        redisUrl: input.redisUrl,
        prefix,
        logger,
        dealConcurrency: 8,
        lockMs: input.lockMs ?? 30_000,
        ...(input.retries ? { retries: input.retries } : {}),
      })
    : createInlineJobs({ logger, dealConcurrency: 8, retryDelayMs: 10 });
  const crm = input.crm ?? createLocalCrm(db);
  const policy = loadPolicyFile(AUTO_NEXT_STEP_POLICY);
  const replay = loadReplayFile(input.replayPath);
  const timed = input.extractDelayMs ? slowExtractor(replay, input.extractDelayMs) : replay;
  const runtime = await startRuntime({
    role: 'worker',
    jobs,
    database: input.database,
    crm,
    ledger: createRunLedger(db),
    stores: createStores(db),
    policy,
    liveWrites: input.liveWrites,
    notifier: input.slack
      ? testNotifier({ database: input.database, crm, slack: input.slack })
      : null,
    logger,
    clock: () => new Date(),
    newId: () => randomUUID(),
    timings: { ...FAST_TIMINGS, ...input.timings },
    extractor: input.extractor ? input.extractor(timed) : timed,
    ...(input.schedules ? { schedules: input.schedules } : {}),
    ...(input.undoWindowHours !== undefined ? { undoWindowHours: input.undoWindowHours } : {}),
  });
  return { runtime, jobs, prefix };
}

/** A pending live proposal as a run leaves it, on a field the generated pipeline leaves empty. */
export async function insertProposal(
  database: TestDatabase,
  input: { dealId: string; field: string; newValue: string; runId?: string },
): Promise<string> {
  const id = randomUUID();
  await database.db.insert(proposals).values({
    id,
    runId: input.runId ?? randomUUID(),
    object: 'deal',
    recordId: input.dealId,
    field: input.field,
    oldValue: null,
    newValue: input.newValue,
    sourceNoteId: `${input.dealId}n0`,
    quote: 'Next step: demo number 0.',
    confidence: 0.8,
    model: 'replay',
    dryRun: false,
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  return id;
}

/** Approves a pending proposal as a click in Slack does; returns its new version. */
export async function approveProposal(database: TestDatabase, id: string): Promise<number> {
  const store = createProposalStore(database.db);
  const row = await store.get(id);
  if (!row) throw new Error(`proposal ${id} not stored`);
  const decided = await recordDecision(
    store,
    { id, version: row.version, status: 'approved', by: 'U01ANA', at: new Date() },
    entry(row, 'approved', 'slack:U01ANA', 'approved in Slack'),
  );
  if (!decided) throw new Error(`proposal ${id} was not pending`);
  return decided.version;
}

export async function until(
  check: () => Promise<boolean> | boolean,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}
