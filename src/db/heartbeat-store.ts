import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Db } from './client.js';
import { heartbeats } from './schema.js';

/** The worker's pulse, kept in Postgres so any process (serve included) can notice silence. */
export interface HeartbeatStore {
  beat(name: string, at: Date): Promise<void>;
  last(name: string): Promise<{ beatAt: Date; alertedAt: Date | null } | null>;
  /** Claims the one alert for the current silence: true for exactly one caller. */
  claimAlert(name: string, silentSince: Date, at: Date): Promise<boolean>;
}

export function createHeartbeatStore(db: Db): HeartbeatStore {
  return {
    async beat(name, at) {
      await db
        .insert(heartbeats)
        .values({ name, beatAt: at })
        .onConflictDoUpdate({ target: heartbeats.name, set: { beatAt: at } });
    },
    async last(name) {
      const [row] = await db.select().from(heartbeats).where(eq(heartbeats.name, name));
      return row ? { beatAt: row.beatAt, alertedAt: row.alertedAt } : null;
    },
    async claimAlert(name, silentSince, at) {
      const rows = await db
        .update(heartbeats)
        .set({ alertedAt: at })
        .where(
          and(
            eq(heartbeats.name, name),
            lt(heartbeats.beatAt, silentSince),
            or(isNull(heartbeats.alertedAt), lt(heartbeats.alertedAt, heartbeats.beatAt)),
          ),
        )
        .returning({ name: heartbeats.name });
      return rows.length === 1;
    },
  };
}
