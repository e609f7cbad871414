import { randomUUID } from 'node:crypto';
import { afterEach } from 'vitest';
import { createProposalStore } from '../../src/db/proposal-store.js';
import { proposals as proposalsTable } from '../../src/db/schema.js';
import { entry } from '../../src/services/decide-proposal.js';
import { recordDecision } from '../../src/services/record-decision.js';
import { type OwnRedis, startOwnRedis } from './redis-server.js';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from './scout-env.js';
import { type SlackStandIn, startSlackStandIn } from './slack-stand-in.js';
import { pipelineFiles } from './worker-harness.js';

/**
 * What the worker resilience tests share: their own redis-server, a harness over a generated
 * pipeline, the Slack stand-in, approved proposals as a click leaves them, and the counts they
 * check. Call it inside a `describe`: everything started, and whatever the tests push onto
 * `cleanups`, is stopped after each test, newest first.
 */
export function resilienceKit() {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  async function ownRedis(args: string[] = []): Promise<OwnRedis> {
    const redis = await startOwnRedis(args);
    cleanups.push(() => redis.stop());
    return redis;
  }

  async function harness(deals: number) {
    const files = pipelineFiles(deals, 2);
    const h = await createHarness({
      seed: files.seedPath,
      replay: files.replayPath,
      policy: AUTO_NEXT_STEP_POLICY,
    });
    cleanups.push(() => h.database.destroy());
    return { files, h };
  }

  async function slackStandIn(): Promise<SlackStandIn> {
    const slack = await startSlackStandIn();
    cleanups.push(() => slack.close());
    return slack;
  }

  /** Approved proposals on `next_step` (an empty field) for the first `n` deals, as a click leaves them. */
  async function approvedProposals(h: ScoutHarness, n: number): Promise<string[]> {
    const store = createProposalStore(h.database.db);
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = randomUUID();
      await h.database.db.insert(proposalsTable).values({
        id,
        runId: randomUUID(),
        object: 'deal',
        recordId: `d${i}`,
        field: 'next_step',
        oldValue: null,
        newValue: `Send the MSA ${i}`,
        sourceNoteId: `d${i}n0`,
        quote: `Next step: demo number 0.`,
        confidence: 0.8,
        model: 'replay',
        dryRun: false,
        expiresAt: new Date(Date.now() + 3_600_000),
      });
      const row = await store.get(id);
      if (!row) throw new Error('proposal not stored');
      const decided = await recordDecision(
        store,
        { id, version: 1, status: 'approved', by: 'U01ANA', at: new Date() },
        entry(row, 'approved', 'slack:U01ANA', 'approved in Slack'),
      );
      if (!decided) throw new Error('not decided');
      ids.push(id);
    }
    return ids;
  }

  async function settledDeals(h: ScoutHarness, runId: string): Promise<number> {
    const [r] = await h.database.sql`
      select count(*)::int as n from run_deals where run_id = ${runId} and state <> 'queued'`;
    return r?.n ?? 0;
  }

  /** Resolves to `outcome`'s label, or to 'hung' if it has not settled within `ms`. */
  async function settlesWithin<T extends string>(outcome: Promise<T>, ms: number) {
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<'hung'>((r) => {
      timer = setTimeout(() => r('hung'), ms);
    });
    try {
      return await Promise.race([outcome, hung]);
    } finally {
      clearTimeout(timer);
    }
  }

  async function appliedRows(h: ScoutHarness, ids: string[]) {
    const rows = await h.database.sql`
      select proposal_id, count(*)::int as n from provenance
      where action = 'applied' and proposal_id in ${h.database.sql(ids)} group by proposal_id`;
    return new Map(rows.map((r) => [r.proposal_id as string, r.n as number]));
  }

  return {
    cleanups,
    ownRedis,
    harness,
    slackStandIn,
    approvedProposals,
    settledDeals,
    settlesWithin,
    appliedRows,
  };
}
