import { asc, inArray, isNull } from 'drizzle-orm';
import type { Outbox } from '../services/ports/outbox.js';
import type { Db } from './client.js';
import { outbox } from './schema.js';

export type OutboxRow = typeof outbox.$inferSelect;

/** Rows written with the decisions that need them; the relay moves them into the queue. */
export interface OutboxStore extends Outbox {
  unrelayed(limit: number): Promise<OutboxRow[]>;
  markRelayed(ids: readonly number[], at: Date): Promise<void>;
}

export function createOutboxStore(db: Db): OutboxStore {
  return {
    async promiseApply(tx, apply) {
      await tx
        .insert(outbox)
        .values({ kind: 'apply', jobId: apply.jobId, payload: apply.payload })
        .onConflictDoNothing();
    },
    async unrelayed(limit) {
      return db
        .select()
        .from(outbox)
        .where(isNull(outbox.relayedAt))
        .orderBy(asc(outbox.id))
        .limit(limit);
    },
    async markRelayed(ids, at) {
      if (ids.length === 0) return;
      await db
        .update(outbox)
        .set({ relayedAt: at })
        .where(inArray(outbox.id, [...ids]));
    },
  };
}
