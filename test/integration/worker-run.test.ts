import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createControlStore } from '../../src/db/control-store.js';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from '../support/scout-env.js';
import { startSlackStandIn } from '../support/slack-stand-in.js';
import { pipelineFiles, startTestWorker, until } from '../support/worker-harness.js';

const SHARED_REDIS = 'redis://127.0.0.1:6379';

describe('scout worker on BullMQ (shared Redis, own key prefix)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(deals: number) {
    const files = pipelineFiles(deals, 2);
    const h = await createHarness({
      seed: files.seedPath,
      replay: files.replayPath,
      policy: AUTO_NEXT_STEP_POLICY,
    });
    const slack = await startSlackStandIn();
    cleanups.push(async () => {
      await slack.close();
      await h.database.destroy();
    });
    return { files, h, slack };
  }

  async function runRow(h: ScoutHarness, id: string) {
    const [row] = await h.database.sql`select * from runs where id = ${id}`;
    return row;
  }

  it('fans a live run out to one job per deal, makes the same decisions as `scout run`, and posts its summary once', async () => {
    const { files, h, slack } = await setup(30);
    const worker = await startTestWorker({
      database: h.database,
      replayPath: files.replayPath,
      redisUrl: SHARED_REDIS,
      liveWrites: '1',
      slack,
    });
    cleanups.push(async () => void (await worker.runtime.stop(5_000)));
    const runId = randomUUID();
    await worker.jobs.add('runs', [{ id: `run-${runId}`, data: { runId, apply: true } }]);
    await until(async () => (await runRow(h, runId))?.summary_posted_at != null, 'the run summary');

    const run = await runRow(h, runId);
    expect(run?.status).toBe('completed');
    expect(run?.scanned).toBe(30);
    const [{ n }] = (await h.database
      .sql`select count(*)::int as n from run_deals where run_id = ${runId}`) as unknown as [
      { n: number },
    ];
    expect(n).toBe(30);

    // The same data through the in-process CLI run: the same counts and the same CRM.
    const { h: other } = await setup(30);
    const cli = await other.runJson(['--apply'], { LIVE_WRITES: '1' });
    expect(run?.counts).toEqual(cli.counts);
    // docs/guarantees.md#g25: a worker run records the policy it ran under, as the CLI run does.
    expect(cli.policy).toEqual({ path: AUTO_NEXT_STEP_POLICY, sha256: expect.any(String) });
    expect([run?.policy_path, run?.policy_sha256]).toEqual([
      AUTO_NEXT_STEP_POLICY,
      (cli.policy as { sha256: string }).sha256,
    ]);
    expect((await h.dump()).deals).toEqual((await other.dump()).deals);

    const summaries = slack.calls.filter(
      (c) => c.method === 'chat.postMessage' && c.args.channel === 'C0OPS',
    );
    expect(summaries).toHaveLength(1);
    expect(String(summaries[0]?.args.text)).toMatch(/^LIVE/);
    expect(slack.violations).toEqual([]);

    // docs/guarantees.md#g18: jobs carry ids, never note text.
    const redis = new Redis(SHARED_REDIS);
    try {
      const keys = await redis.keys(`${worker.prefix}:*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const key of keys) {
        const type = await redis.type(key);
        const dump =
          type === 'hash'
            ? JSON.stringify(await redis.hgetall(key))
            : type === 'string'
              ? String(await redis.get(key))
              : '';
        expect(dump).not.toContain('Budget sign-off');
        expect(dump).not.toContain('Lorem ipsum');
      }
    } finally {
      redis.disconnect();
    }
  });

  it('says at the top of the summary when a schedule asked for LIVE but the run was DRY', async () => {
    const { files, h, slack } = await setup(5);
    const worker = await startTestWorker({
      database: h.database,
      replayPath: files.replayPath,
      redisUrl: SHARED_REDIS,
      slack,
    });
    cleanups.push(async () => void (await worker.runtime.stop(5_000)));
    const runId = randomUUID();
    await worker.jobs.add('runs', [
      { id: `run-${runId}`, data: { runId, apply: true, scheduleId: 'nightly', limit: 3 } },
    ]);
    await until(async () => (await runRow(h, runId))?.summary_posted_at != null, 'the run summary');
    const run = await runRow(h, runId);
    expect(run?.mode).toBe('dry_run');
    expect(run?.warnings[0]).toMatch(
      /^SCHEDULED AS LIVE: schedule nightly has apply: true, but this run ran DRY because LIVE_WRITES is not 1/,
    );
    expect(run?.warnings[1]).toMatch(/^PARTIAL COVERAGE: scanned 3 of 5/);
    const posted = slack.calls.find((c) => c.args.channel === 'C0OPS');
    expect(String(posted?.args.text)).toMatch(/^DRY RUN — nothing was written/);
    expect(JSON.stringify(posted?.args.blocks)).toContain('SCHEDULED AS LIVE');
    const writes = await h.database
      .sql`select count(*)::int as n from provenance where run_id = ${runId} and action = 'written'`;
    expect(writes[0]?.n).toBe(0);
  });

  it('says at the top of the summary when a schedule asked for LIVE but Scout was paused', async () => {
    const { files, h, slack } = await setup(3);
    await createControlStore(h.database.db).setPaused(true, 'test');
    const worker = await startTestWorker({
      database: h.database,
      replayPath: files.replayPath,
      redisUrl: SHARED_REDIS,
      liveWrites: '1',
      slack,
    });
    cleanups.push(async () => void (await worker.runtime.stop(5_000)));
    const runId = randomUUID();
    await worker.jobs.add('runs', [
      { id: `run-${runId}`, data: { runId, apply: true, scheduleId: 'nightly' } },
    ]);
    await until(async () => (await runRow(h, runId))?.summary_posted_at != null, 'the run summary');
    const run = await runRow(h, runId);
    expect(run?.mode).toBe('dry_run');
    expect(run?.warnings[0]).toBe(
      'SCHEDULED AS LIVE: schedule nightly has apply: true, but this run ran DRY because Scout is paused: nothing was written',
    );
    const posted = slack.calls.find((c) => c.args.channel === 'C0OPS');
    expect(JSON.stringify(posted?.args.blocks)).toContain('SCHEDULED AS LIVE');
    const writes = await h.database
      .sql`select count(*)::int as n from provenance where run_id = ${runId} and action = 'written'`;
    expect(writes[0]?.n).toBe(0);
  });

  it('a pause during a live run stops its writes from the next deal on, and the summary says so (G9)', async () => {
    const { files, h, slack } = await setup(30);
    const worker = await startTestWorker({
      database: h.database,
      replayPath: files.replayPath,
      redisUrl: SHARED_REDIS,
      liveWrites: '1',
      slack,
      extractDelayMs: 300,
    });
    cleanups.push(async () => void (await worker.runtime.stop(5_000)));
    const runId = randomUUID();
    await worker.jobs.add('runs', [{ id: `run-${runId}`, data: { runId, apply: true } }]);
    await until(async () => (await runRow(h, runId)) !== undefined, 'the run to start');
    await createControlStore(h.database.db).setPaused(true, 'test');
    const pausedAt = Date.now();
    await until(async () => (await runRow(h, runId))?.summary_posted_at != null, 'the run summary');

    const run = await runRow(h, runId);
    expect(run?.mode).toBe('live');
    expect(run?.locks.paused).toBe(true);
    expect(run?.warnings).toContain(
      'Scout was paused during the run: nothing was written from the pause on',
    );
    // The pause is read right before each deal's writes: none lands well after it.
    const late = await h.database.sql`
      select count(*)::int as n from provenance where run_id = ${runId}
      and action = 'written' and created_at > ${new Date(pausedAt + 500).toISOString()}::timestamptz`;
    expect(late[0]?.n).toBe(0);
    expect(run?.counts.would_write).toBeGreaterThan(0);
  });

  it('runs the same handlers inline without REDIS_URL', async () => {
    const { files, h } = await setup(12);
    const worker = await startTestWorker({
      database: h.database,
      replayPath: files.replayPath,
      liveWrites: '1',
    });
    cleanups.push(async () => void (await worker.runtime.stop(5_000)));
    expect(worker.jobs.mode).toBe('inline');
    const runId = randomUUID();
    await worker.jobs.add('runs', [{ id: `run-${runId}`, data: { runId, apply: true } }]);
    await worker.jobs.idle();
    const run = await runRow(h, runId);
    expect(run?.status).toBe('completed');
    expect(run?.scanned).toBe(12);
    expect(run?.counts.written).toBeGreaterThan(0);
  });
});
