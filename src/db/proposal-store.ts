import { and, asc, eq, gt, inArray, isNull, lte, notInArray, sql } from 'drizzle-orm';
import { AWAITING_APPLY } from '../domain/proposal.js';
import type { ProvenanceEntry } from '../domain/provenance.js';
import type { ProposalStore } from '../services/ports/proposal-store.js';
import type { Db } from './client.js';
import { inTransaction } from './in-transaction.js';
import { createOutboxStore } from './outbox-store.js';
import { proposals, provenance, slackThreads } from './schema.js';
import { createWriteJournal } from './write-journal.js';

export function createProposalStore(db: Db): ProposalStore {
  const insertLog = (tx: Pick<Db, 'insert'>, entry: ProvenanceEntry) =>
    tx.insert(provenance).values(entry as ProvenanceEntry);
  return {
    journal: createWriteJournal(db),
    outbox: createOutboxStore(db),

    async get(id) {
      const [row] = await db.select().from(proposals).where(eq(proposals.id, id));
      return row ?? null;
    },

    async decide(input, log, alongside) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(proposals)
          .set({
            status: input.status,
            version: sql`${proposals.version} + 1`,
            decidedBy: input.by,
            decidedAt: input.at,
            ...(input.editedValue !== undefined ? { editedValue: input.editedValue } : {}),
          })
          .where(
            and(
              eq(proposals.id, input.id),
              eq(proposals.status, 'pending'),
              eq(proposals.version, input.version),
              gt(proposals.expiresAt, input.at),
            ),
          )
          .returning();
        if (!row) return null;
        await insertLog(tx, log);
        await alongside(row, tx);
        return row;
      });
    },

    finish(id, status, outcome, log, outer) {
      return inTransaction(db, outer, async (tx) => {
        const [row] = await tx
          .update(proposals)
          .set({ status, outcome, version: sql`${proposals.version} + 1` })
          .where(and(eq(proposals.id, id), inArray(proposals.status, [...AWAITING_APPLY])))
          .returning();
        if (!row) return null;
        await insertLog(tx, log);
        return row;
      });
    },

    async expire(id, at, log) {
      return db.transaction(async (tx) => {
        const [row] = await tx
          .update(proposals)
          .set({ status: 'expired', version: sql`${proposals.version} + 1` })
          .where(
            and(
              eq(proposals.id, id),
              eq(proposals.status, 'pending'),
              at === null ? undefined : lte(proposals.expiresAt, at),
            ),
          )
          .returning();
        if (!row) return null;
        await insertLog(tx, log);
        return row;
      });
    },

    async due(at, limit) {
      return db
        .select()
        .from(proposals)
        .where(and(eq(proposals.status, 'pending'), lte(proposals.expiresAt, at)))
        .orderBy(asc(proposals.expiresAt))
        .limit(limit);
    },

    async setRejectReason(id, reason, note) {
      const [row] = await db
        .update(proposals)
        .set({ rejectReason: reason, rejectNote: note })
        .where(
          and(
            eq(proposals.id, id),
            eq(proposals.status, 'rejected'),
            sql`${proposals.rejectReason} is null`,
          ),
        )
        .returning();
      return row ?? null;
    },

    async log(entry) {
      await insertLog(db, entry);
    },

    async logDenied(entry, since) {
      return db.transaction(async (tx) => {
        // Serialises the same (proposal, actor) only, so two racing clicks write one row.
        await tx.execute(
          sql`select pg_advisory_xact_lock(hashtext(${`denied:${entry.proposalId}:${entry.actor}`}))`,
        );
        const [recent] = await tx
          .select({ id: provenance.id })
          .from(provenance)
          .where(
            and(
              eq(provenance.action, 'denied'),
              eq(provenance.proposalId, entry.proposalId ?? ''),
              eq(provenance.actor, entry.actor),
              gt(provenance.createdAt, since),
            ),
          )
          .limit(1);
        if (recent) return false;
        await insertLog(tx, entry);
        return true;
      });
    },

    async currentOfRun(runId) {
      return db
        .select()
        .from(proposals)
        .where(
          and(eq(proposals.runId, runId), notInArray(proposals.status, ['superseded', 'expired'])),
        )
        .orderBy(asc(proposals.recordId), asc(proposals.createdAt));
    },

    async replacedBy(ids) {
      if (ids.length === 0) return [];
      return db
        .select()
        .from(proposals)
        .where(and(inArray(proposals.supersededBy, [...ids]), eq(proposals.status, 'superseded')));
    },

    async claimCardDraw(id, version) {
      const claimed = await db
        .update(proposals)
        .set({ cardVersion: version })
        .where(and(eq(proposals.id, id), sql`coalesce(${proposals.cardVersion}, 0) < ${version}`))
        .returning({ id: proposals.id });
      return claimed.length > 0;
    },

    async cardDrawn(id, version) {
      await db
        .update(proposals)
        .set({ cardVersion: sql`greatest(coalesce(${proposals.cardVersion}, 0), ${version})` })
        .where(eq(proposals.id, id));
    },

    async setCard(id, card) {
      await db
        .update(proposals)
        .set({ slackChannel: card.channel, slackTs: card.ts, ownerSlackId: card.ownerSlackId })
        .where(eq(proposals.id, id));
    },

    async setOwner(id, ownerSlackId) {
      await db
        .update(proposals)
        .set({ ownerSlackId })
        .where(and(eq(proposals.id, id), isNull(proposals.ownerSlackId)));
    },

    async thread(runId, dealId) {
      const [row] = await db
        .select()
        .from(slackThreads)
        .where(and(eq(slackThreads.runId, runId), eq(slackThreads.dealId, dealId)));
      return row ? { channel: row.channel, ts: row.ts } : null;
    },

    async saveThread(runId, dealId, channel, ts) {
      await db.insert(slackThreads).values({ runId, dealId, channel, ts }).onConflictDoNothing();
    },

    async unapplied(before, limit) {
      return db
        .select()
        .from(proposals)
        .where(
          and(inArray(proposals.status, [...AWAITING_APPLY]), lte(proposals.decidedAt, before)),
        )
        .orderBy(asc(proposals.decidedAt))
        .limit(limit);
    },

    async countPending() {
      const rows = await db
        .select({ dry: proposals.dryRun, n: sql<number>`count(*)::int` })
        .from(proposals)
        .where(eq(proposals.status, 'pending'))
        .groupBy(proposals.dryRun);
      return {
        live: rows.find((r) => !r.dry)?.n ?? 0,
        dry: rows.find((r) => r.dry)?.n ?? 0,
      };
    },
  };
}
