import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createProposalStore } from '../../src/db/proposal-store.js';
import { createQueuedRunStore } from '../../src/db/queued-run-store.js';
import type { RunSummary } from '../../src/domain/run-summary.js';
import { reconcile } from '../../src/jobs/background-work.js';
import { createInlineJobs } from '../../src/jobs/inline-jobs.js';
import type { Notifier } from '../../src/services/ports/notifier.js';
import { publishRun, storedSummary } from '../../src/services/publish-run.js';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from '../support/scout-env.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import {
  FAST_TIMINGS,
  insertProposal,
  pipelineFiles,
  slackClient,
  startTestWorker,
  testNotifier,
} from '../support/worker-harness.js';

const quiet = pino({ level: 'silent' });
const PROPOSALS = 12;

describe('a worker run’s cards and summary are posted once, however long posting takes', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  /** A completed worker run whose summary is not posted yet, with one pending proposal per deal. */
  async function finishedRun(): Promise<{ h: ScoutHarness; runId: string; ids: string[] }> {
    const files = pipelineFiles(PROPOSALS, 1);
    const h = await createHarness({
      seed: files.seedPath,
      replay: files.replayPath,
      policy: AUTO_NEXT_STEP_POLICY,
    });
    cleanups.push(() => h.database.destroy());
    const worker = await startTestWorker({ database: h.database, replayPath: files.replayPath });
    const runId = randomUUID();
    await worker.jobs.add('runs', [{ id: `run-${runId}`, data: { runId, apply: false } }]);
    await worker.jobs.idle();
    await worker.runtime.stop(2_000);
    await h.database.sql`
      update runs set summary_posted_at = null, summary_claimed_until = null where id = ${runId}`;
    await h.database.sql`update proposals set status = 'expired' where run_id = ${runId}`;
    const ids: string[] = [];
    for (let i = 0; i < PROPOSALS; i++)
      ids.push(
        await insertProposal(h.database, {
          runId,
          dealId: `d${i}`,
          field: 'next_step',
          newValue: `Send the MSA ${i}`,
        }),
      );
    return { h, runId, ids };
  }

  async function slackStandIn(): Promise<SlackStandIn> {
    const slack = await startSlackStandIn();
    cleanups.push(() => slack.close());
    return slack;
  }

  async function summaryOf(h: ScoutHarness, runId: string): Promise<RunSummary> {
    const run = await createQueuedRunStore(h.database.db).get(runId);
    if (!run) throw new Error(`run ${runId} not stored`);
    return storedSummary(run);
  }

  /** Another process's reconciler: passes until the summary is marked posted. */
  async function reconcileUntilPosted(h: ScoutHarness, runId: string, notifier: Notifier) {
    const runs = createQueuedRunStore(h.database.db);
    const deps = {
      proposals: createProposalStore(h.database.db),
      runs,
      jobs: createInlineJobs({ logger: quiet, dealConcurrency: 1 }),
      notifier,
      logger: quiet,
      clock: () => new Date(),
      schedules: [],
      timings: { ...FAST_TIMINGS, summaryLeaseMs: 200 },
    };
    while ((await runs.get(runId))?.summaryPostedAt == null) {
      await reconcile(deps);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  function opsPosts(slack: SlackStandIn) {
    return slack.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === 'C0OPS');
  }

  /** The proposal id on each card posted (a thread reply carries its buttons' `p`). */
  function cardProposals(slack: SlackStandIn): string[] {
    return [...slack.messages.values()]
      .filter((m) => m.thread_ts)
      .map((m) => {
        const actions = (m.blocks as Array<{ type: string; elements?: Array<{ value: string }> }>)
          .find((b) => b.type === 'actions')
          ?.elements?.at(0)?.value;
        return (JSON.parse(actions ?? '{}') as { p?: string }).p ?? '(no buttons)';
      })
      .sort();
  }

  it('posting that outlasts the claim keeps it: a racing reconciler posts no second summary and no card twice', async () => {
    const { h, runId, ids } = await finishedRun();
    const slack = await slackStandIn();
    const crm = createLocalCrm(h.database.db);
    // 24 messages 40 ms apart in the owner's DM: several times the 200 ms claim.
    const paced = () => testNotifier({ database: h.database, crm, slack, minIntervalMs: 40 });
    const [published] = await Promise.all([
      publishRun(
        {
          runs: createQueuedRunStore(h.database.db),
          notifier: paced(),
          logger: quiet,
          clock: () => new Date(),
          summaryLeaseMs: 200,
        },
        await summaryOf(h, runId),
      ),
      reconcileUntilPosted(h, runId, paced()),
    ]);

    expect(published).toBe(true);
    expect(opsPosts(slack)).toHaveLength(1);
    expect(cardProposals(slack)).toEqual([...ids].sort());
    expect(
      [...slack.messages.values()].filter((m) => !m.thread_ts && m.channel !== 'C0OPS'),
    ).toHaveLength(PROPOSALS);
    expect(slack.violations).toEqual([]);
  });

  it('posting that fails part-way is finished by the reconciler: the cards already posted are not posted again', async () => {
    const { h, runId, ids } = await finishedRun();
    const slack = await slackStandIn();
    const crm = createLocalCrm(h.database.db);
    // The first process loses Slack after seven messages (three cards and a fourth parent).
    const client = slackClient(slack);
    const post = client.chat.postMessage.bind(client.chat);
    let sent = 0;
    client.chat.postMessage = ((args: Parameters<typeof post>[0]) => {
      sent += 1;
      if (sent > 7) return Promise.reject(new Error('socket hang up'));
      return post(args);
    }) as typeof post;
    const published = await publishRun(
      {
        runs: createQueuedRunStore(h.database.db),
        notifier: testNotifier({ database: h.database, crm, slack, client }),
        logger: quiet,
        clock: () => new Date(),
      },
      await summaryOf(h, runId),
    );
    expect(published).toBe(false);
    expect(cardProposals(slack)).toHaveLength(3);

    await reconcileUntilPosted(h, runId, testNotifier({ database: h.database, crm, slack }));
    expect(opsPosts(slack)).toHaveLength(1);
    expect(cardProposals(slack)).toEqual([...ids].sort());
    expect(
      [...slack.messages.values()].filter((m) => !m.thread_ts && m.channel !== 'C0OPS'),
    ).toHaveLength(PROPOSALS);
  });

  it('a process whose claim lapsed and was taken over does not post the summary, nor release the claim', async () => {
    const { h, runId } = await finishedRun();
    const runs = createQueuedRunStore(h.database.db);
    let now = Date.parse('2030-01-01T00:00:00Z');
    let summaries = 0;
    const frozen: Notifier = {
      // The process stalls past its claim while posting cards; another one takes the run over.
      postProposals: async () => {
        now += 90_000;
        expect(await runs.claimSummary(runId, new Date(now), 60_000)).toBe(true);
        return { posted: 0, unrouted: [] };
      },
      refreshCard: async () => {},
      postRunSummary: async () => {
        summaries += 1;
      },
      postOpsAlert: async () => {},
    };
    const published = await publishRun(
      { runs, notifier: frozen, logger: quiet, clock: () => new Date(now), summaryLeaseMs: 60_000 },
      await summaryOf(h, runId),
    );
    expect(published).toBe(false);
    expect(summaries).toBe(0);
    const run = await runs.get(runId);
    expect(run?.summaryPostedAt).toBeNull();
    expect(run?.summaryClaimedUntil?.getTime()).toBe(now + 60_000);
  });
});
