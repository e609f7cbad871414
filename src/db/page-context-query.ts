import { inArray, sql } from 'drizzle-orm';
import { unionAll } from 'drizzle-orm/pg-core';
import type { PropertyValue } from '../domain/values.js';
import type { Db } from './client.js';
import { noteWatermarks, proposals, provenance } from './schema.js';

export interface PageContextRow {
  readonly kind: 'mark' | 'applied' | 'pending' | 'rejected';
  readonly recordId: string;
  readonly field: string | null;
  readonly note: string | null;
  readonly at: Date | null;
  readonly value: PropertyValue;
  /** Who rejected (rejected rows only). */
  readonly actor: string | null;
}

/**
 * Watermarks, live writes, pending proposals and a person's rejections of a page of deals in one round trip: a
 * worker asks this for every deal it handles (bench/worker.ts). Deliberately not a
 * prepared statement: Postgres would soon switch it to a generic plan, which filters the
 * ids after scanning every row of the log instead of looking them up in its indexes.
 */
export function pageContextQuery(db: Db) {
  return async (
    objectName: string,
    recordIds: readonly string[],
    dryRun: boolean,
  ): Promise<PageContextRow[]> => {
    const ids = [...recordIds];
    return await unionAll(
      db
        .select({
          kind: sql<PageContextRow['kind']>`'mark'`.as('kind'),
          recordId: noteWatermarks.dealId,
          field: sql<string | null>`null`.as('field'),
          note: sql<string | null>`${noteWatermarks.noteId}`.as('note'),
          at: sql`${noteWatermarks.noteCreatedAt}`
            .mapWith(
              (v: string) => noteWatermarks.noteCreatedAt.mapFromDriverValue(v) as Date | null,
            )
            .as('at'),
          value: sql<PropertyValue>`null::jsonb`.as('value'),
          actor: sql<string | null>`null`.as('actor'),
        })
        .from(noteWatermarks)
        .where(inArray(noteWatermarks.dealId, ids)),
      db
        .select({
          kind: sql<PageContextRow['kind']>`'applied'`.as('kind'),
          recordId: provenance.recordId,
          field: provenance.field,
          note: provenance.sourceNoteId,
          at: sql<Date | null>`null`.as('at'),
          value: provenance.newValue,
          actor: sql<string | null>`null`.as('actor'),
        })
        .from(provenance)
        .where(
          sql`${provenance.object} = ${objectName} and ${inArray(provenance.recordId, ids)}
          and ${provenance.action} in ('written', 'applied') and not ${provenance.dryRun}`,
        ),
      db
        .select({
          kind: sql<PageContextRow['kind']>`'pending'`.as('kind'),
          recordId: proposals.recordId,
          field: proposals.field,
          note: sql<string | null>`null`.as('note'),
          at: sql<Date | null>`null`.as('at'),
          value: proposals.newValue,
          actor: sql<string | null>`null`.as('actor'),
        })
        .from(proposals)
        .where(
          sql`${proposals.object} = ${objectName} and ${inArray(proposals.recordId, ids)}
          and ${proposals.status} = 'pending' and ${proposals.dryRun} = ${dryRun}`,
        ),
      // docs/guarantees.md#g24: a person's rejection teaches every later run, dry or live, whichever
      // mode the card was in (the value was judged, not the write).
      db
        .select({
          kind: sql<PageContextRow['kind']>`'rejected'`.as('kind'),
          recordId: provenance.recordId,
          field: provenance.field,
          note: sql<string | null>`null`.as('note'),
          at: sql`${provenance.createdAt}`
            .mapWith((v: string) => provenance.createdAt.mapFromDriverValue(v) as Date | null)
            .as('at'),
          value: provenance.newValue,
          actor: sql<string | null>`${provenance.actor}`.as('actor'),
        })
        .from(provenance)
        .where(
          sql`${provenance.object} = ${objectName} and ${inArray(provenance.recordId, ids)}
          and ${provenance.action} = 'rejected' and ${provenance.actor} like 'slack:%'`,
        ),
    );
  };
}
