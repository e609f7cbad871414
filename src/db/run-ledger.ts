import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import { appliedKey, pendingKey } from '../domain/idempotency-keys.js';
import type { ProposalEntry } from '../domain/proposal.js';
import type { ProvenanceEntry } from '../domain/provenance.js';
import { type PriorRejection, rejectionKey } from '../domain/rejection-memory.js';
import { AlreadySettled, RunEnded } from '../domain/run-errors.js';
import type { RunSummary } from '../domain/run-summary.js';
import type {
  RunLeaseSpec,
  RunLedger,
  Watermark,
  WatermarkEntry,
} from '../services/ports/run-ledger.js';
import type { Db } from './client.js';
import { createControlStore } from './control-store.js';
import { inTransaction } from './in-transaction.js';
import { createOutboxStore } from './outbox-store.js';
import { pageContextQuery } from './page-context-query.js';
import { readChainHead } from './provenance-chain.js';
import {
  extractionBatchItems,
  noteWatermarks,
  policies,
  proposals,
  provenance,
  runDeals,
  runs,
} from './schema.js';
import { supersedeEarlier } from './supersede-proposals.js';
import { createWriteJournal } from './write-journal.js';

const CHUNK = 1000;

const leaseEnd = (lease: RunLeaseSpec) => sql`now() + ${lease.ms} * interval '1 millisecond'`;

/** A run's row once it completed: the one UPDATE every kind of run ends with (docs/guarantees.md#g14, G20). */
export function completedRun(s: RunSummary) {
  return {
    status: 'completed',
    mode: s.mode,
    locks: s.locks,
    scanned: s.scanned,
    total: s.total,
    cap: s.cap,
    counts: s.counts,
    dealCounts: s.deals,
    warnings: s.warnings,
    usage: s.usage,
    finishedAt: new Date(s.finished_at),
    chainHead: s.chain_head ?? null,
    hubspotApiCalls: s.hubspot_api_calls ?? null,
  } satisfies Partial<typeof runs.$inferInsert>;
}

export function createRunLedger(db: Db): RunLedger {
  const control = createControlStore(db);
  const pageContext = pageContextQuery(db);
  return {
    journal: createWriteJournal(db),
    outbox: createOutboxStore(db),
    isPaused: () => control.isPaused(),

    async startRun(row, lease, policyText) {
      await db.transaction(async (tx) => {
        if (row.policySha256 && policyText !== undefined)
          await tx
            .insert(policies)
            .values({ sha256: row.policySha256, text: policyText })
            .onConflictDoNothing();
        await tx
          .insert(runs)
          .values({ ...row, leaseHolder: lease.holder, leaseUntil: leaseEnd(lease) });
      });
    },

    async finishRun(s) {
      // A run already ended (interrupted by whoever noticed its lapsed lease, and posted
      // as such) keeps that end: the process that wakes up to finish it is told instead.
      const done = await db
        .update(runs)
        .set(completedRun(s))
        .where(and(eq(runs.id, s.run_id), eq(runs.status, 'running')))
        .returning({ id: runs.id });
      if (done.length > 0) return;
      const [run] = await db
        .select({ status: runs.status })
        .from(runs)
        .where(eq(runs.id, s.run_id));
      throw new RunEnded(s.run_id, run?.status ?? 'not recorded');
    },

    chainHead: () => readChainHead(db),

    async reclaimRun(runId, lease) {
      const rows = await db
        .update(runs)
        .set({
          status: 'running',
          finishedAt: null,
          error: null,
          leaseHolder: lease.holder,
          leaseUntil: leaseEnd(lease),
        })
        .where(
          and(
            eq(runs.id, runId),
            sql`(${runs.status} <> 'running' or ${runs.leaseUntil} is null or ${runs.leaseUntil} < now())`,
          ),
        )
        .returning({ id: runs.id });
      return rows.length > 0;
    },

    async renewLeases(lease) {
      await db
        .update(runs)
        .set({ leaseUntil: leaseEnd(lease) })
        .where(
          and(
            eq(runs.status, 'running'),
            eq(runs.leaseHolder, lease.holder),
            // A lapsed lease is not renewed: the run is over, whoever marks it so.
            gte(runs.leaseUntil, sql`now()`),
          ),
        );
    },

    async interruptLapsed(warning) {
      return db.transaction(async (tx) => {
        const lapsed = await tx
          .select({ id: runs.id, leaseHolder: runs.leaseHolder })
          .from(runs)
          .where(and(eq(runs.status, 'running'), lt(runs.leaseUntil, sql`now()`)))
          .for('update', { skipLocked: true });
        const out: Array<typeof runs.$inferSelect> = [];
        for (const run of lapsed) {
          const [row] = await tx
            .update(runs)
            .set({
              status: 'interrupted',
              finishedAt: sql`now()`,
              error: 'interrupted: its lease lapsed',
              warnings: sql`${runs.warnings} || ${JSON.stringify([warning(run)])}::jsonb`,
              counts: sql`coalesce((select jsonb_object_agg(c.action, c.n) from (select ${provenance.action} as action, count(*)::int as n from ${provenance} where ${provenance.runId} = ${run.id} group by ${provenance.action}) c), '{}'::jsonb)`,
              scanned: sql`greatest(${runs.scanned}, (select count(*)::int from ${runDeals} where ${runDeals.runId} = ${run.id} and ${runDeals.state} <> 'queued'))`,
              chainHead: sql`(select jsonb_build_object('seq', h.seq, 'hash', h.hash) from provenance_chain_head h)`,
            })
            .where(eq(runs.id, run.id))
            .returning();
          if (row) out.push(row);
        }
        return out;
      });
    },

    async failRun(runId, message, at) {
      // A run already ended (interrupted by whoever noticed its lapsed lease) keeps that end.
      await db
        .update(runs)
        .set({ status: 'failed', error: message, finishedAt: at })
        .where(and(eq(runs.id, runId), eq(runs.status, 'running')));
    },

    async loadPageContext(object, recordIds, dryRun) {
      const rows = await pageContext(object, recordIds, dryRun);
      const watermarks = new Map<string, Watermark>();
      const applied = new Set<string>();
      const pending = new Set<string>();
      const scoutWrote = new Set<string>();
      const rejected = new Map<string, PriorRejection>();
      for (const r of rows) {
        if (r.kind === 'mark' && r.at && r.note)
          watermarks.set(r.recordId, { noteCreatedAt: r.at, noteId: r.note });
        else if (r.kind === 'applied' && r.field) {
          applied.add(appliedKey(r.recordId, r.field, r.note, r.value ?? null));
          scoutWrote.add(pendingKey(r.recordId, r.field, r.value ?? null));
        } else if (r.kind === 'pending' && r.field)
          pending.add(pendingKey(r.recordId, r.field, r.value));
        else if (r.kind === 'rejected' && r.field && r.at && r.actor) {
          const key = rejectionKey(r.recordId, r.field, r.value ?? null);
          const known = rejected.get(key);
          if (!known || r.at < known.at) rejected.set(key, { actor: r.actor, at: r.at });
        }
      }
      return { watermarks, applied, pending, scoutWrote, rejected };
    },

    supersedeEarlier: (storedIds, at, tx) => supersedeEarlier(tx, storedIds, at),

    commitPage(page, outer) {
      return inTransaction(db, outer, async (tx) => {
        // KEY SHARE: shared with the run's other pages and with lease renewals, exclusive of
        // the FOR UPDATE that ends a run, so a page commits before its run is marked
        // interrupted, or not at all (docs/guarantees.md#g20).
        const runId = page.settle?.runId ?? page.progress?.runId;
        if (runId) {
          const [run] = await tx
            .select({ status: runs.status })
            .from(runs)
            .where(eq(runs.id, runId))
            .for('key share');
          if (run && run.status !== 'running') throw new RunEnded(runId, run.status);
        }
        if (page.settle) {
          const { runId, dealId, state, usage, crmCalls } = page.settle;
          const claimed = await tx
            .update(runDeals)
            .set({ state, usage, crmCalls, settledAt: new Date() })
            .where(
              and(
                eq(runDeals.runId, runId),
                eq(runDeals.dealId, dealId),
                eq(runDeals.state, 'queued'),
              ),
            )
            .returning({ dealId: runDeals.dealId });
          if (claimed.length === 0) throw new AlreadySettled(runId, dealId);
        }
        const stored = new Set<string>();
        for (let i = 0; i < page.proposals.length; i += CHUNK) {
          const rows = await tx
            .insert(proposals)
            .values(page.proposals.slice(i, i + CHUNK) as ProposalEntry[])
            .onConflictDoNothing()
            .returning({ id: proposals.id });
          for (const r of rows) stored.add(r.id);
        }
        if (page.watermarks.length > 0) {
          await tx
            .insert(noteWatermarks)
            .values(page.watermarks as WatermarkEntry[])
            .onConflictDoUpdate({
              target: noteWatermarks.dealId,
              // Never backwards: a late batch must not undo what a newer pass already read.
              setWhere: sql`(excluded.note_created_at, excluded.note_id) > (${noteWatermarks.noteCreatedAt}, ${noteWatermarks.noteId})`,
              set: {
                noteCreatedAt: sql`excluded.note_created_at`,
                noteId: sql`excluded.note_id`,
                runId: sql`excluded.run_id`,
                updatedAt: sql`now()`,
              },
            });
        }
        if (page.progress) {
          await tx
            .update(runs)
            .set({ scanned: page.progress.scanned })
            .where(eq(runs.id, page.progress.runId));
        }
        if (page.collected && page.collected.dealIds.length > 0) {
          await tx
            .update(extractionBatchItems)
            .set({ collected: true })
            .where(
              and(
                eq(extractionBatchItems.batchId, page.collected.batchId),
                inArray(extractionBatchItems.dealId, [...page.collected.dealIds]),
              ),
            );
        }
        const after = (await page.beforeLog?.(stored, tx)) ?? [];
        // Last, so the hash chain's head row (locked by the insert trigger until commit) is held briefly.
        const entries = [...page.provenance(stored), ...after];
        for (let i = 0; i < entries.length; i += CHUNK) {
          await tx.insert(provenance).values(entries.slice(i, i + CHUNK) as ProvenanceEntry[]);
        }
        return stored;
      });
    },
  };
}
