import { randomUUID } from 'node:crypto';
import { and, asc, eq, isNull, like, sql } from 'drizzle-orm';
import { AGENT_PREFIX } from '../domain/values.js';
import type { SuggestionStore } from '../services/ports/suggestion-store.js';
import type { Db } from './client.js';
import { inTransaction } from './in-transaction.js';
import { claimNotices } from './notice-store.js';
import { provenance, suggestionOffers } from './schema.js';

export function createSuggestionStore(db: Db): SuggestionStore {
  return {
    async offersToPost(runId) {
      const written = await db
        .select()
        .from(provenance)
        .where(
          and(
            eq(provenance.runId, runId),
            sql`${provenance.action} in ('written', 'would_write')`,
            like(provenance.field, 'scout\\_%'),
          ),
        )
        .orderBy(asc(provenance.id));
      if (written.length > 0)
        await db
          .insert(suggestionOffers)
          .values(
            written.map((w) => ({
              id: randomUUID(),
              runId,
              recordId: w.recordId,
              field: w.field.slice(AGENT_PREFIX.length),
              value: w.newValue ?? null,
              sourceNoteId: w.sourceNoteId,
              quote: w.quote,
              confidence: w.confidence,
              model: w.model,
              dryRun: w.dryRun,
            })),
          )
          .onConflictDoNothing();
      return db
        .select()
        .from(suggestionOffers)
        .where(and(eq(suggestionOffers.runId, runId), isNull(suggestionOffers.slackTs)))
        .orderBy(asc(suggestionOffers.recordId), asc(suggestionOffers.field));
    },

    ofDeal: (runId, recordId) =>
      db
        .select()
        .from(suggestionOffers)
        .where(and(eq(suggestionOffers.runId, runId), eq(suggestionOffers.recordId, recordId)))
        .orderBy(asc(suggestionOffers.field)),

    async get(id) {
      const [row] = await db.select().from(suggestionOffers).where(eq(suggestionOffers.id, id));
      return row ?? null;
    },

    async setMessage(runId, recordId, m) {
      await db
        .update(suggestionOffers)
        .set({ slackChannel: m.channel, slackTs: m.ts, ownerSlackId: m.ownerSlackId })
        .where(and(eq(suggestionOffers.runId, runId), eq(suggestionOffers.recordId, recordId)));
    },

    async claim(id, version, by, at) {
      const [row] = await db
        .update(suggestionOffers)
        .set({
          status: 'promoting',
          version: sql`${suggestionOffers.version} + 1`,
          decidedBy: by,
          decidedAt: at,
        })
        .where(open(id, version))
        .returning();
      return row ?? null;
    },

    dismiss: (id, version, by, at, log) =>
      db.transaction(async (tx) => {
        const [row] = await tx
          .update(suggestionOffers)
          .set({
            status: 'dismissed',
            version: sql`${suggestionOffers.version} + 1`,
            decidedBy: by,
            decidedAt: at,
          })
          .where(open(id, version))
          .returning();
        if (!row) return null;
        await tx.insert(provenance).values(log(row));
        return row;
      }),

    finish: (id, status, outcome, log, outer) =>
      inTransaction(db, outer, async (tx) => {
        const [row] = await tx
          .update(suggestionOffers)
          .set({ status, outcome, version: sql`${suggestionOffers.version} + 1` })
          .where(and(eq(suggestionOffers.id, id), eq(suggestionOffers.status, 'promoting')))
          .returning();
        if (!row) return null;
        await tx.insert(provenance).values(log);
        return row;
      }),

    async log(entry) {
      await db.insert(provenance).values(entry);
    },

    claimNotices: (runId) => claimNotices(db, runId),
  };
}

function open(id: string, version: number) {
  return and(
    eq(suggestionOffers.id, id),
    eq(suggestionOffers.status, 'open'),
    eq(suggestionOffers.version, version),
  );
}
