import { and, asc, desc, eq, inArray, like, not } from 'drizzle-orm';
import type { ProvenanceRow } from '../domain/provenance.js';
import { AGENT_PREFIX } from '../domain/values.js';
import type { WriteNoticeStore } from '../services/ports/write-notice-store.js';
import type { Db } from './client.js';
import { provenance, writeNotices } from './schema.js';

/** What Scout wrote to a rep-owned field on its own: live `written` rows outside its suggestion namespace. */
const agentWrites = (...where: Parameters<typeof and>) =>
  and(
    eq(provenance.action, 'written'),
    eq(provenance.actor, 'agent'),
    eq(provenance.dryRun, false),
    not(like(provenance.field, `${AGENT_PREFIX.replace('_', '\\_')}%`)),
    ...where,
  );

export function createWriteNoticeStore(db: Db): WriteNoticeStore {
  const writesOf = (runId: string, recordId?: string) =>
    db
      .select()
      .from(provenance)
      .where(
        agentWrites(
          eq(provenance.runId, runId),
          recordId === undefined ? undefined : eq(provenance.recordId, recordId),
        ),
      )
      .orderBy(asc(provenance.id));

  return {
    async claim(runId) {
      const byDeal = new Map<string, ProvenanceRow[]>();
      for (const r of await writesOf(runId))
        byDeal.set(r.recordId, [...(byDeal.get(r.recordId) ?? []), r]);
      const claimed = new Map<string, ProvenanceRow[]>();
      for (const [recordId, writes] of byDeal) {
        const won = await db
          .insert(writeNotices)
          .values({ runId, recordId })
          .onConflictDoNothing()
          .returning({ recordId: writeNotices.recordId });
        if (won.length > 0) claimed.set(recordId, writes);
      }
      return claimed;
    },

    async setMessage(runId, recordId, message) {
      await db
        .update(writeNotices)
        .set({
          slackChannel: message.channel,
          slackTs: message.ts,
          ownerSlackId: message.ownerSlackId,
        })
        .where(and(eq(writeNotices.runId, runId), eq(writeNotices.recordId, recordId)));
    },

    async ofChange(changeId) {
      const [row] = await db
        .select({
          runId: writeNotices.runId,
          recordId: writeNotices.recordId,
          ownerSlackId: writeNotices.ownerSlackId,
          slackChannel: writeNotices.slackChannel,
          slackTs: writeNotices.slackTs,
        })
        .from(provenance)
        .innerJoin(
          writeNotices,
          and(
            eq(writeNotices.runId, provenance.runId),
            eq(writeNotices.recordId, provenance.recordId),
          ),
        )
        .where(agentWrites(eq(provenance.id, changeId)));
      return row ?? null;
    },

    writesOf: (runId, recordId) => writesOf(runId, recordId),

    async lastUndoOf(changeIds) {
      if (changeIds.length === 0) return new Map();
      const rows = await db
        .select()
        .from(provenance)
        .where(
          and(
            inArray(provenance.undoes, [...changeIds]),
            inArray(provenance.action, ['undone', 'would_undo', 'conflict', 'failed']),
          ),
        )
        .orderBy(desc(provenance.id));
      const last = new Map<number, ProvenanceRow>();
      for (const r of rows) if (r.undoes !== null && !last.has(r.undoes)) last.set(r.undoes, r);
      return last;
    },
  };
}
