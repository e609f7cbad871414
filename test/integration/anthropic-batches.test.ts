import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createBatchStore } from '../../src/db/batch-store.js';
import { advisoryDealLocks } from '../../src/db/deal-locks.js';
import { createRunLedger } from '../../src/db/run-ledger.js';
import { createAnthropicBatches } from '../../src/extraction/anthropic-batches.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import { runBatchExtraction } from '../../src/services/run-batch-extraction.js';
import type { RunProgress } from '../../src/services/run-state.js';
import { type AnthropicStandIn, startAnthropicStandIn } from '../support/anthropic-stand-in.js';
import { exampleReplies } from '../support/example-replies.js';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from '../support/scout-env.js';

describe('extraction through the Message Batches API', () => {
  let api: AnthropicStandIn;
  let h: ScoutHarness;
  let env: Record<string, string>;
  beforeEach(async () => {
    api = await startAnthropicStandIn();
    api.reply = exampleReplies();
    api.batchPollsUntilEnded = 3;
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    env = {
      SCOUT_EXTRACTOR: 'anthropic',
      SCOUT_REPLAY_FILE: '',
      ANTHROPIC_API_KEY: api.apiKey,
      ANTHROPIC_BASE_URL: api.url,
      SCOUT_BATCH_POLL_SECONDS: '0.02',
    };
  });
  afterEach(async () => {
    await api.close();
    await h.database.destroy();
  });

  /** What `scout run --batch` hands the service, for calling it directly. */
  const directDeps = () => ({
    crm: createLocalCrm(h.database.db),
    ledger: createRunLedger(h.database.db),
    policy: loadPolicyFile(AUTO_NEXT_STEP_POLICY),
    liveWrites: '1',
    clock: () => new Date(),
    newId: () => crypto.randomUUID(),
    logger: pino({ level: 'silent' }),
    batches: createAnthropicBatches({
      apiKey: api.apiKey,
      baseURL: api.url,
      model: 'claude-sonnet-5-5',
    }),
    batchStore: createBatchStore(h.database.db),
    withDealLocks: advisoryDealLocks(h.database.db),
    collector: 'this-process',
  });

  it('reports its collection after each chunk of results: settled of requests, counts and usage so far', async () => {
    const reports: RunProgress[] = [];
    const summary = await runBatchExtraction(
      {
        ...directDeps(),
        pageSize: 3,
        sleep: async () => {},
        onProgress: (p) => reports.push(structuredClone(p)),
      },
      { apply: true },
    );
    // Four deals have new notes: one chunk of three results, then the last one.
    expect(reports.map((r) => [r.scanned, r.total])).toEqual([
      [3, 4],
      [4, 4],
    ]);
    const last = reports.at(-1);
    expect(last?.counts).toMatchObject({ written: 5, proposed: 2 });
    expect(last?.counts).toEqual(summary.counts);
    expect(last?.usage.input_tokens).toBeGreaterThan(reports[0]?.usage.input_tokens ?? 0);
    expect(last?.model).toBe('claude-sonnet-5-5');
  });

  it('submits one batch, polls until it ends, and makes the same decisions at half the price', async () => {
    const summary = await h.runJson(['--apply', '--batch'], { ...env, LIVE_WRITES: '1' });
    expect(api.batches.size).toBe(1);
    const [batch] = [...api.batches.values()];
    expect(batch?.requests).toHaveLength(4);
    expect(batch?.polls).toBeGreaterThanOrEqual(4);
    expect(api.requests).toHaveLength(0);
    expect(api.violations).toEqual([]);
    expect(summary).toMatchObject({
      batch_id: batch?.id,
      mode: 'live',
      counts: { written: 5, proposed: 2 },
      deals: { extracted: 4, no_new_notes: 1, failed: 0 },
    });
    const [row] = await h.database.sql`select status from extraction_batches`;
    expect(row?.status).toBe('collected');
    expect(await h.ok(['run', '--batch'], env)).toContain('DRY RUN');
  });

  it('charges half the Messages API price for the same tokens', async () => {
    const batch = await h.runJson(['--batch'], env);
    const sync = await h.runJson([], env);
    const b = batch.estimated_cost_usd as number;
    const s = sync.estimated_cost_usd as number;
    expect(b).toBeGreaterThan(0);
    expect(b).toBeLessThan(s);
  });

  it('a failed request inside a batch fails only its deal', async () => {
    api.reply = (request) =>
      JSON.stringify(request.messages).includes('Acme')
        ? { kind: 'error', status: 500, type: 'api_error', message: 'Internal server error' }
        : exampleReplies()(request);
    const summary = await h.runJson(['--apply', '--batch'], { ...env, LIVE_WRITES: '1' });
    expect(summary.deals).toEqual({ extracted: 3, no_new_notes: 1, failed: 1 });
    const rows = await h.log(['--run', summary.run_id as string, '--deal', 'd1']);
    expect(rows).toEqual([
      expect.objectContaining({
        action: 'failed',
        reason: expect.stringContaining('batch request errored: api_error'),
      }),
    ]);
    api.reply = exampleReplies();
    const next = await h.runJson(['--apply'], { ...env, LIVE_WRITES: '1' });
    expect(next.deals).toMatchObject({ extracted: 1, no_new_notes: 4 });
  });

  it('a run interrupted while its batch is pending resumes collecting it instead of paying twice', async () => {
    const database = h.database;
    const deps = {
      ...directDeps(),
      collector: 'first-process',
      sleep: async () => {
        throw new Error('the process was stopped');
      },
    };
    await expect(runBatchExtraction(deps, { apply: true })).rejects.toThrow(
      'the process was stopped',
    );
    const [stopped] = await database.sql`select id, status from runs`;
    expect(stopped?.status).toBe('failed');
    expect(api.batches.size).toBe(1);

    // The first process's lease still holds: another collector must wait.
    const other = await h.cli(['run', '--batch'], { ...env, LIVE_WRITES: '1' });
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('is being collected by another Scout process');
    await database.sql`update extraction_batches set collecting_since = now() - interval '1 hour'`;

    const resumed = await h.runJson(['--batch', '--apply'], { ...env, LIVE_WRITES: '1' });
    expect(api.batches.size).toBe(1);
    expect(resumed.run_id).toBe(stopped?.id);
    expect(resumed).toMatchObject({ mode: 'live', counts: { written: 5, proposed: 2 } });
    expect((resumed.warnings as string[]).join('\n')).toContain('resumed collecting Message Batch');
    const [done] = await database.sql`select status from runs where id = ${stopped?.id as string}`;
    expect(done?.status).toBe('completed');
    // Nothing left to collect: the next batch run submits new work only if there is any.
    const after = await h.runJson(['--batch', '--apply'], { ...env, LIVE_WRITES: '1' });
    expect(after.deals).toMatchObject({ extracted: 0, no_new_notes: 5 });
    expect(api.batches.size).toBe(1);
  });

  it('--batch needs the Claude extractor', async () => {
    const r = await h.cli(['run', '--batch']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--batch needs the Claude extractor');
  });
});
