import { asc, gt, inArray } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { crmDeals, crmNotes, crmPropertyDefs, crmUsers } from '../db/schema.js';
import { createLocalCrm } from './local-crm.js';
import { type ExistingCrm, readSeedFile } from './seed-file.js';

const INSERT_CHUNK = 1000;

export interface SeedResult {
  users: number;
  properties: number;
  deals: number;
  notes: number;
}

/** Loads a seed file into the local CRM in one transaction: all of it or, on any problem, none of it. */
export async function seedLocalCrm(db: Db, path: string): Promise<SeedResult> {
  const existing = await existingCrm(db);
  const { seed, newProperties } = readSeedFile(path, existing);
  await db.transaction(async (tx) => {
    if (newProperties.length > 0) {
      await tx.insert(crmPropertyDefs).values(
        newProperties.map((p) => ({
          name: p.name,
          label: p.label,
          type: p.type,
          options: p.options ? [...p.options] : null,
        })),
      );
    }
    if (seed.users.length > 0) {
      await tx.insert(crmUsers).values(
        seed.users.map((u) => ({
          id: u.id,
          name: u.name,
          email: u.email ?? null,
          slackUserId: u.slack_user_id ?? null,
        })),
      );
    }
    for (let i = 0; i < seed.deals.length; i += INSERT_CHUNK) {
      const chunk = seed.deals.slice(i, i + INSERT_CHUNK);
      await tx.insert(crmDeals).values(
        chunk.map((d) => ({
          id: d.id,
          name: d.name,
          ownerId: d.owner_id ?? null,
          properties: d.properties,
        })),
      );
      const notes = chunk.flatMap((d) =>
        d.notes.map((n) => ({
          id: n.id,
          dealId: d.id,
          type: n.type,
          createdAt: new Date(n.created_at),
          body: n.body,
        })),
      );
      for (let j = 0; j < notes.length; j += INSERT_CHUNK) {
        await tx.insert(crmNotes).values(notes.slice(j, j + INSERT_CHUNK));
      }
    }
  });
  return {
    users: seed.users.length,
    properties: newProperties.length,
    deals: seed.deals.length,
    notes: seed.deals.reduce((n, d) => n + d.notes.length, 0),
  };
}

async function existingCrm(db: Db): Promise<ExistingCrm> {
  const crm = createLocalCrm(db);
  const [defs, users, deals, notes] = await Promise.all([
    crm.listPropertyDefs(),
    db.select({ id: crmUsers.id }).from(crmUsers),
    db.select({ id: crmDeals.id }).from(crmDeals),
    db.select({ id: crmNotes.id }).from(crmNotes),
  ]);
  return {
    properties: new Map(defs.map((d) => [d.name, d])),
    userIds: new Set(users.map((u) => u.id)),
    dealIds: new Set(deals.map((d) => d.id)),
    noteIds: new Set(notes.map((n) => n.id)),
  };
}

/**
 * Writes every deal with all its current properties (scout_* included) and notes,
 * in the seed file's shape, a page at a time so memory stays flat.
 */
export async function dumpLocalCrm(
  db: Db,
  write: (chunk: string) => void,
  pageSize = 500,
): Promise<void> {
  const crm = createLocalCrm(db);
  const [defs, users] = await Promise.all([crm.listPropertyDefs(), crm.listUsers()]);
  const userJson = users.map((u) => ({
    id: u.id,
    name: u.name,
    email: u.email,
    slack_user_id: u.slackUserId,
  }));
  write(
    `{\n"users": ${JSON.stringify(userJson)},\n"properties": ${JSON.stringify(defs)},\n"deals": [`,
  );
  let after = 0;
  let first = true;
  for (;;) {
    const deals = await db
      .select()
      .from(crmDeals)
      .where(gt(crmDeals.position, after))
      .orderBy(asc(crmDeals.position))
      .limit(pageSize);
    if (deals.length === 0) break;
    const notes = await db
      .select()
      .from(crmNotes)
      .where(
        inArray(
          crmNotes.dealId,
          deals.map((d) => d.id),
        ),
      )
      .orderBy(asc(crmNotes.createdAt), asc(crmNotes.id));
    const byDeal = new Map<
      string,
      Array<{ id: string; type: string; created_at: string; body: string }>
    >();
    for (const n of notes) {
      const list = byDeal.get(n.dealId) ?? [];
      list.push({ id: n.id, type: n.type, created_at: n.createdAt.toISOString(), body: n.body });
      byDeal.set(n.dealId, list);
    }
    for (const d of deals) {
      const dealNotes = byDeal.get(d.id) ?? [];
      const sorted = Object.fromEntries(
        Object.entries(d.properties).sort(([a], [b]) => a.localeCompare(b)),
      );
      write(
        `${first ? '\n' : ',\n'}${JSON.stringify({ id: d.id, name: d.name, owner_id: d.ownerId, properties: sorted, notes: dealNotes })}`,
      );
      first = false;
    }
    after = deals.at(-1)?.position ?? after;
  }
  write('\n]\n}\n');
}
