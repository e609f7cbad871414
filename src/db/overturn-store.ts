import { sql } from 'drizzle-orm';
import type { PropertyValue } from '../domain/values.js';
import type { OverturnStore } from '../services/ports/overturn-store.js';
import type { Db } from './client.js';
import { rowsOf } from './field-stats-query.js';
import { provenance } from './schema.js';

/** Overturn detection's store: reads the log's newest changes, appends `overturned` rows. */
export function createOverturnStore(db: Db): OverturnStore {
  return {
    async latestChanges(object, recordIds) {
      if (recordIds.length === 0) return [];
      const result = await db.execute(sql`
        select distinct on (record_id, field) id, record_id, field, action, new_value, confidence
        from provenance
        where object = ${object}
          and record_id in (${sql.join(
            recordIds.map((id) => sql`${id}`),
            sql`, `,
          )})
          and not dry_run
          and action in ('written', 'applied', 'undone', 'overturned')
        order by record_id, field, id desc
      `);
      return rowsOf(result).map((r) => ({
        id: Number(r.id),
        recordId: String(r.record_id),
        field: String(r.field),
        action: String(r.action),
        value: (r.new_value ?? null) as PropertyValue,
        confidence: r.confidence === null ? null : Number(r.confidence),
      }));
    },

    async log(input) {
      let logged = 0;
      for (const { change, repValue } of input.overturns) {
        const inserted = await db.transaction(async (tx) => {
          await tx.execute(
            sql`select pg_advisory_xact_lock(hashtextextended(${`overturn:${input.object}:${change.recordId}:${change.field}`}, 0))`,
          );
          const newer = await tx.execute(sql`
            select 1 from provenance
            where object = ${input.object} and record_id = ${change.recordId}
              and field = ${change.field} and id > ${change.id}
              and not dry_run and action in ('written', 'applied', 'undone', 'overturned')
            limit 1`);
          if (rowsOf(newer).length > 0) return false;
          await tx.insert(provenance).values({
            runId: input.runId,
            object: input.object,
            recordId: change.recordId,
            field: change.field,
            action: 'overturned',
            reason: `a rep changed the value Scout wrote in change #${change.id} (${change.action})`,
            previousValue: change.value,
            newValue: repValue,
            repValue,
            confidence: change.confidence,
            actor: 'agent',
            // An observation of the CRM as it is, whatever the run's mode.
            dryRun: false,
          });
          return true;
        });
        if (inserted) logged += 1;
      }
      return logged;
    },
  };
}
