import { randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { ScoutError } from '../../src/errors.js';
import { applyJobId } from '../../src/services/job-ids.js';
import type { CrmPort } from '../../src/services/ports/crm.js';
import type { ExtractorPort } from '../../src/services/ports/extractor.js';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from '../support/scout-env.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import {
  approveProposal,
  insertProposal,
  pipelineFiles,
  startTestWorker,
  testNotifier,
  until,
} from '../support/worker-harness.js';

const SHARED_REDIS = 'redis://127.0.0.1:6379';
/** Attempts cut short, so a job fails for good in milliseconds rather than minutes. */
const SHORT = { attempts: 2, backoffMs: 10 };

describe('jobs that fail for good (BullMQ on the shared Redis, own key prefix)', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  async function setup(deals: number) {
    const files = pipelineFiles(deals, 1);
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

  async function startWorker(
    input: Omit<Parameters<typeof startTestWorker>[0], 'redisUrl' | 'liveWrites'>,
  ) {
    const worker = await startTestWorker({ ...input, redisUrl: SHARED_REDIS, liveWrites: '1' });
    cleanups.push(async () => void (await worker.runtime.stop(2_000)));
    return worker;
  }

  function queueOf(name: string, prefix: string): Queue {
    const connection = new Redis(SHARED_REDIS);
    const queue = new Queue(name, { connection, prefix });
    cleanups.push(async () => {
      await queue.close();
      connection.disconnect();
    });
    return queue;
  }

  /**
   * Makes the first update on `table` matching `when` (by default: setting `column` to
   * 'failed') fail, as a Postgres blip would; returns a count of such updates tried.
   */
  async function blipOnce(
    h: ScoutHarness,
    table: 'proposals' | 'run_deals' | 'runs',
    column: string,
    when = `new.${column} = 'failed'`,
  ) {
    const sql = h.database.sql;
    await sql.unsafe('create sequence test_blip');
    await sql.unsafe(`create function test_blip() returns trigger language plpgsql as $$
      begin
        if nextval('test_blip') = 1 then raise exception 'simulated Postgres blip'; end if;
        return new;
      end $$`);
    await sql.unsafe(`create trigger test_blip before update on ${table} for each row
      when (${when}) execute function test_blip()`);
    return async () => {
      const [row] = await sql`select last_value, is_called from test_blip`;
      return row?.is_called ? Number(row.last_value) : 0;
    };
  }

  /** The CRM, whose writes throw while `failing()` says so; counts the writes tried. */
  function flakyWrites(inner: CrmPort, failing: (attempt: number) => boolean) {
    const tried = { writes: 0 };
    const crm: CrmPort = {
      ...inner,
      // Through the port, as a remote CRM writes (write-ahead intents), so the failure is seen.
      atomic: undefined,
      writeProperties: async (writes) => {
        tried.writes += 1;
        if (failing(tried.writes)) throw new Error('the CRM answered 503');
        return inner.writeProperties(writes);
      },
    };
    return { crm, tried };
  }

  async function proposal(h: ScoutHarness, id: string) {
    const [row] = await h.database.sql`select * from proposals where id = ${id}`;
    return row;
  }

  async function provenanceOf(h: ScoutHarness, proposalId: string) {
    const rows = await h.database.sql`
      select action from provenance where proposal_id = ${proposalId} order by id`;
    return rows.map((r) => r.action as string);
  }

  function opsPosts(slack: SlackStandIn) {
    return slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0OPS');
  }

  it('an apply job whose data fails its schema fails at once, after one attempt, and the worker carries on', async () => {
    const { files, h } = await setup(2);
    const worker = await startWorker({ database: h.database, replayPath: files.replayPath });
    await worker.jobs.add('applies', [{ id: 'apply-bad', data: { proposalId: 1 } as never }]);
    const applies = queueOf('applies', worker.prefix);
    await until(async () => (await applies.getJobState('apply-bad')) === 'failed', 'the bad job');
    const job = await applies.getJob('apply-bad');
    expect(job?.attemptsMade).toBe(1);
    expect(job?.failedReason).toMatch(/^invalid applies job data: proposalId: /);

    const id = await insertProposal(h.database, {
      dealId: 'd0',
      field: 'next_step',
      newValue: 'Send the MSA',
    });
    const version = await approveProposal(h.database, id);
    await worker.jobs.add('applies', [
      { id: applyJobId(id, version), data: { proposalId: id, version } },
    ]);
    await until(async () => (await proposal(h, id))?.status === 'applied', 'the next approval');
  });

  it('an apply whose CRM write keeps failing ends `failed`: logged, the card updated, ops alerted', async () => {
    const { files, h, slack } = await setup(2);
    const { crm, tried } = flakyWrites(createLocalCrm(h.database.db), () => true);
    const runId = randomUUID();
    const id = await insertProposal(h.database, {
      runId,
      dealId: 'd0',
      field: 'next_step',
      newValue: 'Send the MSA',
    });
    await testNotifier({ database: h.database, crm, slack }).postProposals(runId);
    const version = await approveProposal(h.database, id);
    const worker = await startWorker({
      database: h.database,
      replayPath: files.replayPath,
      crm,
      slack,
      retries: { applies: SHORT },
      // No reconciler pass while the job fails: the attempts counted are the job's own.
      timings: { reconcileMs: 600_000 },
    });
    await worker.jobs.add('applies', [
      { id: applyJobId(id, version), data: { proposalId: id, version } },
    ]);
    await until(async () => (await proposal(h, id))?.status === 'failed', 'the proposal failed');
    await until(() => opsPosts(slack).length > 0, 'the ops alert');

    expect(tried.writes).toBe(SHORT.attempts);
    const row = await proposal(h, id);
    expect(row?.outcome).toMatch(/^the apply failed for good: the CRM answered 503/);
    expect(await provenanceOf(h, id)).toEqual(['approved', 'failed']);
    const alerts = opsPosts(slack);
    expect(alerts).toHaveLength(1);
    // Zero-width spaces keep `_` in names from turning into italics (mrkdwn escaping, docs/guarantees.md#g22).
    expect(String(alerts[0]?.args.text).replace(/\u200b/g, '')).toContain(
      'An approved change could not be applied: deal d0, field next_step',
    );
    // The card's redraw is a job of its own (the cards queue), taken after the alert is sent.
    const card = () => slack.messages.get(`${row?.slack_channel}/${row?.slack_ts}`);
    await until(() => card()?.updates === 1, 'the card redrawn');
    await worker.jobs.idle();
    expect(card()?.updates).toBe(1);
    expect(JSON.stringify(card()?.blocks)).toContain('but the write failed');
    expect(JSON.stringify(card()?.blocks)).not.toContain('scout_approve');
    expect(slack.violations).toEqual([]);
  });

  it('an extractor that always throws for one deal: that deal settles `failed`, the run completes and counts it', async () => {
    const { files, h, slack } = await setup(6);
    const broken = (inner: ExtractorPort): ExtractorPort => ({
      model: inner.model,
      extract: async (request) => {
        if (request.dealId === 'd2') throw new Error('the model answered 500');
        return inner.extract(request);
      },
    });
    const worker = await startWorker({
      database: h.database,
      replayPath: files.replayPath,
      extractor: broken,
      slack,
    });
    const runId = randomUUID();
    await worker.jobs.add('runs', [{ id: `run-${runId}`, data: { runId, apply: true } }]);
    await until(async () => {
      const [run] = await h.database.sql`select summary_posted_at from runs where id = ${runId}`;
      return run?.summary_posted_at != null;
    }, 'the run summary');

    const states = await h.database.sql`
      select deal_id, state from run_deals where run_id = ${runId} order by deal_id`;
    expect(states.find((r) => r.deal_id === 'd2')?.state).toBe('failed');
    expect(states.filter((r) => r.state === 'extracted')).toHaveLength(5);
    const [run] = await h.database.sql`select status, deal_counts from runs where id = ${runId}`;
    expect(run?.status).toBe('completed');
    expect(run?.deal_counts).toEqual({ extracted: 5, no_new_notes: 0, failed: 1 });
    const summaries = opsPosts(slack);
    expect(summaries).toHaveLength(1);
    expect(JSON.stringify(summaries[0]?.args.blocks)).toContain('5 read');
    expect(JSON.stringify(summaries[0]?.args.blocks)).toContain('1 failed');
  });

  it('an apply whose failure handler met a Postgres blip is not stuck: the reconciler runs it again', async () => {
    const { files, h } = await setup(2);
    const failedUpdates = await blipOnce(h, 'proposals', 'status');
    // The CRM is down for the first job's attempts and back for the requeued one.
    const { crm, tried } = flakyWrites(
      createLocalCrm(h.database.db),
      (write) => write <= SHORT.attempts,
    );
    const id = await insertProposal(h.database, {
      dealId: 'd0',
      field: 'next_step',
      newValue: 'Send the MSA',
    });
    const version = await approveProposal(h.database, id);
    const worker = await startWorker({
      database: h.database,
      replayPath: files.replayPath,
      crm,
      retries: { applies: SHORT },
    });
    await worker.jobs.add('applies', [
      { id: applyJobId(id, version), data: { proposalId: id, version } },
    ]);
    await until(async () => (await proposal(h, id))?.status === 'applied', 'the approval applied');

    // The failure handler did meet the blip; the requeued job then applied it.
    expect(await failedUpdates()).toBe(1);
    expect(tried.writes).toBe(SHORT.attempts + 1);
    expect(await provenanceOf(h, id)).toEqual(['approved', 'applied']);
    const [deal] = await h.database.sql`select properties from crm_deals where id = 'd0'`;
    expect(deal?.properties.next_step).toBe('Send the MSA');
  });

  it('a deal job whose failure handler met a Postgres blip is not stuck: the reconciler settles it and the run completes', async () => {
    const { files, h, slack } = await setup(4);
    const failedUpdates = await blipOnce(h, 'run_deals', 'state');
    const calls = { d1: 0 };
    const fatal = (inner: ExtractorPort): ExtractorPort => ({
      model: inner.model,
      extract: async (request) => {
        if (request.dealId !== 'd1') return inner.extract(request);
        calls.d1 += 1;
        throw new ScoutError('extractor_fatal', 'the model key was revoked');
      },
    });
    const worker = await startWorker({
      database: h.database,
      replayPath: files.replayPath,
      extractor: fatal,
      slack,
      retries: { deals: { attempts: 1, backoffMs: 10 } },
    });
    const runId = randomUUID();
    await worker.jobs.add('runs', [{ id: `run-${runId}`, data: { runId, apply: true } }]);
    await until(async () => {
      const [run] = await h.database.sql`select summary_posted_at from runs where id = ${runId}`;
      return run?.summary_posted_at != null;
    }, 'the run summary');

    // The first failure handler met the blip; the requeued job's failed again, and settled it.
    expect(await failedUpdates()).toBe(2);
    expect(calls.d1).toBe(2);
    const [deal] = await h.database.sql`
      select state from run_deals where run_id = ${runId} and deal_id = 'd1'`;
    expect(deal?.state).toBe('failed');
    const [logged] = await h.database.sql`
      select reason from provenance where run_id = ${runId} and record_id = 'd1'`;
    expect(logged?.reason).toMatch(/the deal job failed for good: the model key was revoked/);
    const [run] = await h.database.sql`select status, deal_counts from runs where id = ${runId}`;
    expect(run?.status).toBe('completed');
    expect(run?.deal_counts).toEqual({ extracted: 3, no_new_notes: 0, failed: 1 });
    expect(opsPosts(slack)).toHaveLength(1);
  });

  it('a run job whose CRM paging failed for good, and its resume too, is resumed once the CRM is back: the run completes, one summary', async () => {
    const { files, h, slack } = await setup(4);
    const inner = createLocalCrm(h.database.db);
    const crmState = { down: true, failedPages: 0 };
    const crm: CrmPort = {
      ...inner,
      pageDeals: async (input) => {
        if (crmState.down) {
          crmState.failedPages += 1;
          throw new Error('the CRM answered 503');
        }
        return inner.pageDeals(input);
      },
    };
    const worker = await startWorker({
      database: h.database,
      replayPath: files.replayPath,
      crm,
      slack,
      retries: { runs: { attempts: 1, backoffMs: 10 } },
    });
    const runId = randomUUID();
    await worker.jobs.add('runs', [{ id: `run-${runId}`, data: { runId, apply: true } }]);
    const runs = queueOf('runs', worker.prefix);
    // The reconciler's resume fails for good as well while the CRM is down.
    await until(
      async () => (await runs.getJobState(`resume-${runId}`)) === 'failed',
      'the resume job to fail for good',
    );
    expect(await runs.getJobState(`run-${runId}`)).toBe('failed');
    crmState.down = false;

    await until(async () => {
      const [run] = await h.database.sql`select summary_posted_at from runs where id = ${runId}`;
      return run?.summary_posted_at != null;
    }, 'the run summary once the CRM is back');
    const [run] = await h.database.sql`select status, scanned from runs where id = ${runId}`;
    expect(run?.status).toBe('completed');
    expect(run?.scanned).toBe(4);
    expect(crmState.failedPages).toBeGreaterThanOrEqual(2);
    const posts = opsPosts(slack).map((p) => String(p.args.text));
    const alerts = posts.filter((t) => t.includes('A Scout run could not start or fan out'));
    expect(alerts.length).toBeGreaterThanOrEqual(2);
    expect(alerts[0]).toContain('The reconciler resumes its fan-out from where it stopped');
    expect(posts.filter((t) => /^LIVE/.test(t))).toHaveLength(1);
  });
  it('a run job that failed for good between recording its run and starting the fan-out is resumed by the reconciler', async () => {
    const { files, h, slack } = await setup(4);
    const sql = h.database.sql;
    // The first UPDATE that starts a fan-out fails, as a Postgres blip (or a kill) would,
    // leaving the run recorded as running with no fan-out time.
    const blips = await blipOnce(
      h,
      'runs',
      'fanout_at',
      'old.fanout_at is null and new.fanout_at is not null',
    );
    const worker = await startWorker({
      database: h.database,
      replayPath: files.replayPath,
      slack,
      retries: { runs: { attempts: 1, backoffMs: 10 } },
    });
    const runId = randomUUID();
    await worker.jobs.add('runs', [{ id: `run-${runId}`, data: { runId, apply: true } }]);
    await until(async () => {
      const [run] = await sql`select summary_posted_at from runs where id = ${runId}`;
      return run?.summary_posted_at != null;
    }, 'the run summary');
    expect(await queueOf('runs', worker.prefix).getJobState(`run-${runId}`)).toBe('failed');
    expect(await blips()).toBeGreaterThanOrEqual(2);
    const [run] = await sql`select status, scanned from runs where id = ${runId}`;
    expect(run).toEqual({ status: 'completed', scanned: 4 });
    const posts = opsPosts(slack).map((p) => String(p.args.text));
    expect(posts.filter((t) => t.includes('A Scout run could not start or fan out'))).toHaveLength(
      1,
    );
    expect(posts.filter((t) => /^LIVE/.test(t))).toHaveLength(1);
  });
});
