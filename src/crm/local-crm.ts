import { and, asc, count, gt, inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { inTransaction } from '../db/in-transaction.js';
import { crmDeals, crmNotes, crmPropertyDefs, crmUsers } from '../db/schema.js';
import type { NoteType } from '../domain/policy.js';
import type { FieldType, PropertyDef, PropertyValue } from '../domain/values.js';
import { AGENT_PREFIX } from '../domain/values.js';
import type {
  CrmDeal,
  CrmNote,
  CrmPort,
  CrmUser,
  DealPage,
  PropertyRestore,
  PropertyWrite,
  WriteResult,
} from '../services/ports/crm.js';

/** The local CRM: deals, notes and users in Scout's own Postgres, for trials, demos and tests. */
export function createLocalCrm(db: Db): CrmPort {
  /**
   * Compare-then-write in one transaction (the caller's, when it passes one, so the write
   * commits with its log rows); only a restore (undo) may carry null, which clears.
   */
  async function compareAndWrite(
    writes: readonly (PropertyWrite | PropertyRestore)[],
    outer?: Db,
  ): Promise<WriteResult[]> {
    if (writes.length === 0) return [];
    return inTransaction(db, outer, async (tx) => {
      const dealIds = [...new Set(writes.map((w) => w.dealId))];
      const names = [...new Set(writes.map((w) => w.property))];
      // Row locks make the compare and the write one step for every other writer of this CRM.
      // Both reads go out together: one round trip on the transaction's connection.
      const [defRows, locked] = await Promise.all([
        tx.select().from(crmPropertyDefs).where(inArray(crmPropertyDefs.name, names)),
        tx
          .select({ id: crmDeals.id, properties: crmDeals.properties })
          .from(crmDeals)
          .where(inArray(crmDeals.id, dealIds))
          .for('update'),
      ]);
      const defs = new Map(defRows.map((d) => [d.name, toDef(d)]));
      const current = new Map(locked.map((d) => [d.id, { ...d.properties }]));
      const results: WriteResult[] = [];
      for (const w of writes) {
        const props = current.get(w.dealId);
        const def = defs.get(w.property);
        if (!props)
          results.push({
            status: 'failed',
            reason: `deal ${w.dealId} does not exist in the local CRM`,
          });
        else if (!def) {
          results.push({
            status: 'failed',
            reason: `property ${w.property} does not exist in the local CRM${w.property.startsWith(AGENT_PREFIX) ? ' (run `scout setup-fields --apply`)' : ''}`,
          });
        } else if (w.value !== null && !typeMatches(def.type, w.value)) {
          results.push({
            status: 'failed',
            reason: `property ${w.property} is ${def.type}; ${JSON.stringify(w.value)} does not fit`,
          });
        } else if (!sameStored(props[w.property] ?? null, w.expected)) {
          results.push({ status: 'conflict', current: props[w.property] ?? null });
        } else {
          props[w.property] = w.value;
          results.push({ status: 'written' });
        }
      }
      const patches = new Map<string, Record<string, PropertyValue>>();
      writes.forEach((w, i) => {
        if (results[i]?.status !== 'written') return;
        patches.set(w.dealId, { ...patches.get(w.dealId), [w.property]: w.value });
      });
      if (patches.size > 0) {
        const payload = JSON.stringify([...patches].map(([id, patch]) => ({ id, patch })));
        await tx.execute(sql`
          update crm_deals d set properties = d.properties || p.patch
          from jsonb_to_recordset(${payload}::jsonb) as p(id text, patch jsonb)
          where d.id = p.id`);
      }
      return results;
    });
  }

  return {
    kind: 'local',

    async listPropertyDefs(): Promise<PropertyDef[]> {
      const rows = await db.select().from(crmPropertyDefs).orderBy(asc(crmPropertyDefs.position));
      return rows.map(toDef);
    },

    async listUsers(): Promise<CrmUser[]> {
      const rows = await db.select().from(crmUsers).orderBy(asc(crmUsers.id));
      return rows.map((u) => ({
        id: u.id,
        name: u.name,
        email: u.email,
        slackUserId: u.slackUserId,
      }));
    },

    async countDeals(ids?: readonly string[]): Promise<number> {
      const where = ids ? inArray(crmDeals.id, [...ids]) : undefined;
      const [row] = await db.select({ n: count() }).from(crmDeals).where(where);
      return row?.n ?? 0;
    },

    async pageDeals({ cursor, limit, ids }): Promise<DealPage> {
      const after = cursor === null ? 0 : Number(cursor);
      const rows = await db
        .select()
        .from(crmDeals)
        .where(and(gt(crmDeals.position, after), ids ? inArray(crmDeals.id, [...ids]) : undefined))
        .orderBy(asc(crmDeals.position))
        .limit(limit);
      const last = rows.at(-1);
      return {
        deals: rows.map(toDeal),
        next: rows.length === limit && last ? String(last.position) : null,
      };
    },

    async notesForDeals(dealIds: readonly string[]): Promise<Map<string, CrmNote[]>> {
      const byDeal = new Map<string, CrmNote[]>(dealIds.map((id) => [id, []]));
      if (dealIds.length === 0) return byDeal;
      const rows = await db
        .select()
        .from(crmNotes)
        .where(inArray(crmNotes.dealId, [...dealIds]))
        .orderBy(asc(crmNotes.dealId), asc(crmNotes.createdAt), asc(crmNotes.id));
      for (const r of rows) {
        byDeal.get(r.dealId)?.push({
          id: r.id,
          dealId: r.dealId,
          type: r.type as NoteType,
          createdAt: r.createdAt,
          body: r.body,
        });
      }
      return byDeal;
    },

    writeProperties: (writes: readonly PropertyWrite[]) => compareAndWrite(writes),

    restoreProperties: (restores: readonly PropertyRestore[]) => compareAndWrite(restores),

    atomic: {
      writeProperties: (tx, writes) => compareAndWrite(writes, tx),
      restoreProperties: (tx, restores) => compareAndWrite(restores, tx),
    },

    async createProperty(def: PropertyDef): Promise<'created' | 'exists'> {
      const inserted = await db
        .insert(crmPropertyDefs)
        .values({
          name: def.name,
          label: def.label,
          type: def.type,
          options: def.options ? [...def.options] : null,
        })
        .onConflictDoNothing()
        .returning({ name: crmPropertyDefs.name });
      if (inserted.length > 0) return 'created';
      const [row] = await db
        .select()
        .from(crmPropertyDefs)
        .where(inArray(crmPropertyDefs.name, [def.name]));
      if (row && row.type !== def.type) {
        throw new Error(
          `property ${def.name} exists in the local CRM as ${row.type}, not ${def.type}`,
        );
      }
      return 'exists';
    },
  };
}

function toDef(row: typeof crmPropertyDefs.$inferSelect): PropertyDef {
  return {
    name: row.name,
    label: row.label,
    type: row.type as FieldType,
    ...(row.options ? { options: row.options } : {}),
  };
}

function toDeal(row: typeof crmDeals.$inferSelect): CrmDeal {
  return { id: row.id, name: row.name, ownerId: row.ownerId, properties: row.properties };
}

function typeMatches(type: FieldType, value: Exclude<PropertyValue, null>): boolean {
  return type === 'number' ? typeof value === 'number' : typeof value === 'string';
}

/** Missing and JSON null are the same stored state. */
function sameStored(a: PropertyValue | undefined, b: PropertyValue | undefined): boolean {
  return (a ?? null) === (b ?? null);
}
