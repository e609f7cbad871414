import { count, desc, eq, inArray } from 'drizzle-orm';
import type { Action } from '../domain/actions.js';
import type { Db } from './client.js';
import { control, provenance, runs } from './schema.js';

const PAUSE_KEY = 'paused';

/** Operator switches (the pause) and what `/scout status` shows. */
export interface ControlStore {
  isPaused(): Promise<boolean>;
  setPaused(paused: boolean, by: string): Promise<void>;
  recentRuns(limit: number): Promise<Array<typeof runs.$inferSelect>>;
  /** The provenance rows each run logged so far, by action (what a running run has done). */
  actionCounts(runIds: readonly string[]): Promise<Map<string, Partial<Record<Action, number>>>>;
}

export function createControlStore(db: Db): ControlStore {
  // Asked before every live write (every worker deal job): prepared once.
  const pause = db
    .select({ value: control.value })
    .from(control)
    .where(eq(control.key, PAUSE_KEY))
    .prepare('scout_is_paused');
  return {
    async isPaused() {
      const [row] = await pause.execute();
      return row?.value === true;
    },
    async setPaused(paused, by) {
      await db
        .insert(control)
        .values({ key: PAUSE_KEY, value: paused, updatedBy: by })
        .onConflictDoUpdate({
          target: control.key,
          set: { value: paused, updatedBy: by, updatedAt: new Date() },
        });
    },
    async recentRuns(limit) {
      return db.select().from(runs).orderBy(desc(runs.startedAt)).limit(limit);
    },
    async actionCounts(runIds) {
      const counts = new Map<string, Partial<Record<Action, number>>>();
      if (runIds.length === 0) return counts;
      const rows = await db
        .select({ runId: provenance.runId, action: provenance.action, n: count() })
        .from(provenance)
        .where(inArray(provenance.runId, [...runIds]))
        .groupBy(provenance.runId, provenance.action);
      for (const r of rows)
        counts.set(r.runId, { ...counts.get(r.runId), [r.action as Action]: r.n });
      return counts;
    },
  };
}
