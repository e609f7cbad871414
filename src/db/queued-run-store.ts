import { and, asc, eq, gte, isNull, lt, or, sql } from 'drizzle-orm';
import { ACTIONS, type Action, emptyCounts } from '../domain/actions.js';
import { emptyUsage } from '../domain/run-summary.js';
import type { QueuedRunStore, SettledState } from '../services/ports/queued-run-store.js';
import type { Db } from './client.js';
import { readChainHead } from './provenance-chain.js';
import { completedRun } from './run-ledger.js';
import { provenance, runDeals, runs } from './schema.js';

export function createQueuedRunStore(db: Db): QueuedRunStore {
  // Every deal job asks both of these: prepared once, they cost one round trip each.
  const runForDeal = db
    .select({ run: runs, dealState: runDeals.state, seq: runDeals.seq })
    .from(runs)
    .leftJoin(
      runDeals,
      and(eq(runDeals.runId, runs.id), eq(runDeals.dealId, sql.placeholder('dealId'))),
    )
    .where(eq(runs.id, sql.placeholder('runId')))
    .prepare('scout_run_for_deal');
  // 'queued' is spelled out, not bound: only then can the generic plan Postgres settles on
  // for a prepared statement use the partial index of queued deals.
  const anyQueued = db
    .select({ dealId: runDeals.dealId })
    .from(runDeals)
    .where(and(eq(runDeals.runId, sql.placeholder('runId')), sql`${runDeals.state} = 'queued'`))
    .limit(1)
    .prepare('scout_run_any_queued');
  return {
    async get(runId) {
      const [row] = await db.select().from(runs).where(eq(runs.id, runId));
      return row ?? null;
    },

    async startFanout(runId, input) {
      await db
        .update(runs)
        .set({
          scheduleId: input.scheduleId ?? null,
          warnings: input.warnings,
          fanoutAt: new Date(),
          fanoutCrmCalls: sql`${runs.fanoutCrmCalls} + ${input.crmCalls}`,
        })
        .where(eq(runs.id, runId));
    },

    async queueDeals(runId, dealIds, nextCursor, firstSeq, crmCalls) {
      await db.transaction(async (tx) => {
        if (dealIds.length > 0)
          await tx
            .insert(runDeals)
            .values(dealIds.map((dealId, i) => ({ runId, dealId, seq: firstSeq + i })))
            .onConflictDoNothing();
        await tx
          .update(runs)
          .set({
            fanoutCursor: nextCursor,
            fanoutAt: new Date(),
            fanoutCrmCalls: sql`${runs.fanoutCrmCalls} + ${crmCalls}`,
          })
          .where(eq(runs.id, runId));
      });
    },

    async finishFanout(runId, crmCalls) {
      await db
        .update(runs)
        .set({
          fanoutDone: true,
          fanoutAt: new Date(),
          fanoutCrmCalls: sql`${runs.fanoutCrmCalls} + ${crmCalls}`,
        })
        .where(eq(runs.id, runId));
    },

    async queuedDeals(runId) {
      const rows = await db
        .select({ dealId: runDeals.dealId })
        .from(runDeals)
        .where(and(eq(runDeals.runId, runId), eq(runDeals.state, 'queued')));
      return rows.map((r) => r.dealId);
    },

    async countDeals(runId) {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(runDeals)
        .where(eq(runDeals.runId, runId));
      return row?.n ?? 0;
    },

    async forDeal(runId, dealId) {
      const [row] = await runForDeal.execute({ runId, dealId });
      return row ?? null;
    },

    async queuedFrom(runId, seq, limit) {
      const rows = await db
        .select({ dealId: runDeals.dealId })
        .from(runDeals)
        .where(
          and(eq(runDeals.runId, runId), sql`${runDeals.state} = 'queued'`, gte(runDeals.seq, seq)),
        )
        .orderBy(asc(runDeals.seq))
        .limit(limit);
      return rows.map((r) => r.dealId);
    },

    async markPausedDuring(runId) {
      await db
        .update(runs)
        .set({ pausedDuring: true })
        .where(and(eq(runs.id, runId), eq(runs.pausedDuring, false)));
    },

    async completeIfSettled(runId, build) {
      // Every deal job of a big run gets here. Each asks after its own settle committed,
      // so the last one to settle always sees nothing queued; the others stop here
      // without taking the run row's lock, which would queue them all behind each other.
      if ((await anyQueued.execute({ runId })).length > 0) return null;
      return db.transaction(async (tx) => {
        const [run] = await tx.select().from(runs).where(eq(runs.id, runId)).for('update');
        if (run?.status !== 'running' || !run.fanoutDone) return null;
        const [left] = await tx
          .select({ dealId: runDeals.dealId })
          .from(runDeals)
          .where(and(eq(runDeals.runId, runId), eq(runDeals.state, 'queued')))
          .limit(1);
        if (left) return null;
        const states = await tx
          .select({
            state: runDeals.state,
            n: sql<number>`count(*)::int`,
            input: sql<number>`coalesce(sum((${runDeals.usage}->>'input_tokens')::bigint), 0)::bigint`,
            output: sql<number>`coalesce(sum((${runDeals.usage}->>'output_tokens')::bigint), 0)::bigint`,
            cacheWrite: sql<number>`coalesce(sum((${runDeals.usage}->>'cache_creation_input_tokens')::bigint), 0)::bigint`,
            cacheRead: sql<number>`coalesce(sum((${runDeals.usage}->>'cache_read_input_tokens')::bigint), 0)::bigint`,
            crmCalls: sql<number>`coalesce(sum(${runDeals.crmCalls}), 0)::bigint`,
          })
          .from(runDeals)
          .where(eq(runDeals.runId, runId))
          .groupBy(runDeals.state);
        const actions = await tx
          .select({ action: provenance.action, n: sql<number>`count(*)::int` })
          .from(provenance)
          .where(eq(provenance.runId, runId))
          .groupBy(provenance.action);
        const counts = emptyCounts();
        for (const a of actions)
          if ((ACTIONS as readonly string[]).includes(a.action)) counts[a.action as Action] = a.n;
        const usage = emptyUsage();
        const deals = { extracted: 0, no_new_notes: 0, failed: 0 };
        let scanned = 0;
        let crmCalls = run.fanoutCrmCalls;
        for (const s of states) {
          scanned += s.n;
          crmCalls += Number(s.crmCalls);
          if (s.state in deals) deals[s.state as SettledState] = s.n;
          usage.input_tokens += Number(s.input);
          usage.output_tokens += Number(s.output);
          usage.cache_creation_input_tokens += Number(s.cacheWrite);
          usage.cache_read_input_tokens += Number(s.cacheRead);
        }
        const chainHead = await readChainHead(tx);
        const summary = build(run, { scanned, deals, usage, counts, chainHead, crmCalls });
        await tx.update(runs).set(completedRun(summary)).where(eq(runs.id, runId));
        return summary;
      });
    },

    async claimSummary(runId, at, leaseMs) {
      const rows = await db
        .update(runs)
        .set({ summaryClaimedUntil: new Date(at.getTime() + leaseMs) })
        .where(
          and(
            eq(runs.id, runId),
            isNull(runs.summaryPostedAt),
            or(isNull(runs.summaryClaimedUntil), lt(runs.summaryClaimedUntil, at)),
          ),
        )
        .returning({ id: runs.id });
      return rows.length === 1;
    },

    async summaryPosted(runId, at) {
      await db.update(runs).set({ summaryPostedAt: at }).where(eq(runs.id, runId));
    },

    async releaseSummary(runId) {
      await db.update(runs).set({ summaryClaimedUntil: null }).where(eq(runs.id, runId));
    },

    async stalledFanouts(before, holder) {
      return db
        .select()
        .from(runs)
        .where(
          and(
            eq(runs.status, 'running'),
            eq(runs.fanoutDone, false),
            eq(runs.leaseHolder, holder),
            or(lt(runs.fanoutAt, before), and(isNull(runs.fanoutAt), lt(runs.startedAt, before))),
          ),
        );
    },

    async queuedSince(before, limit) {
      return db
        .select({ runId: runDeals.runId, dealId: runDeals.dealId })
        .from(runDeals)
        .innerJoin(runs, eq(runs.id, runDeals.runId))
        .where(
          and(
            eq(runDeals.state, 'queued'),
            lt(runDeals.queuedAt, before),
            eq(runs.status, 'running'),
          ),
        )
        .orderBy(runDeals.queuedAt)
        .limit(limit);
    },

    async settledButRunning() {
      const rows = await db
        .select({ id: runs.id })
        .from(runs)
        .where(
          and(
            eq(runs.status, 'running'),
            eq(runs.fanoutDone, true),
            sql`not exists (select 1 from ${runDeals} where ${runDeals.runId} = ${runs.id} and ${runDeals.state} = 'queued')`,
          ),
        );
      return rows.map((r) => r.id);
    },

    async unposted(at) {
      return db
        .select()
        .from(runs)
        .where(
          and(
            // Worker runs once finished; any run interrupted (docs/guarantees.md#g20), CLI runs included.
            or(
              and(eq(runs.status, 'completed'), eq(runs.fanoutDone, true)),
              eq(runs.status, 'interrupted'),
            ),
            isNull(runs.summaryPostedAt),
            or(isNull(runs.summaryClaimedUntil), lt(runs.summaryClaimedUntil, at)),
          ),
        );
    },
  };
}
