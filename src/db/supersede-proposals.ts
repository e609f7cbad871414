import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { ProposalRow } from '../domain/proposal.js';
import type { ProvenanceEntry } from '../domain/provenance.js';
import { carriedDecision, supersedes } from '../domain/supersede.js';
import type { Db } from './client.js';
import { proposals, provenance } from './schema.js';

type TxLike = Pick<Db, 'select' | 'update' | 'insert'>;

/**
 * For proposals a page just stored (docs/guarantees.md#g12): older pending proposals for the
 * same field become `superseded` (rules in domain/supersede.ts), and a live proposal inherits
 * a person's approval or edit of the dry-run card for the same change. All in `tx`, the
 * page's transaction, each change with its log row. Returns the proposals now decided, whose
 * applies the caller promises in the same transaction.
 */
export async function supersedeEarlier(
  tx: TxLike,
  storedIds: readonly string[],
  at: Date,
): Promise<ProposalRow[]> {
  if (storedIds.length === 0) return [];
  const stored = await tx
    .select()
    .from(proposals)
    .where(inArray(proposals.id, [...storedIds]));
  const earlier = await tx
    .select()
    .from(proposals)
    .where(
      or(
        ...stored.map((p) =>
          and(
            eq(proposals.object, p.object),
            eq(proposals.recordId, p.recordId),
            eq(proposals.field, p.field),
          ),
        ),
      ),
    )
    .for('update');
  const decided: ProposalRow[] = [];
  for (const newer of stored) {
    for (const older of earlier.filter((o) => supersedes(newer, o))) {
      await supersede(tx, older, newer);
      older.status = 'superseded';
    }
    const carried = carriedDecision(newer, earlier);
    if (carried) decided.push(await carry(tx, newer, carried, at));
  }
  return decided;
}

async function supersede(tx: TxLike, older: ProposalRow, newer: ProposalRow): Promise<void> {
  const [row] = await tx
    .update(proposals)
    .set({ status: 'superseded', supersededBy: newer.id, version: sql`${proposals.version} + 1` })
    .where(and(eq(proposals.id, older.id), eq(proposals.status, 'pending')))
    .returning();
  if (!row) return;
  await tx.insert(provenance).values({
    ...logged(row),
    action: 'superseded',
    actor: 'agent',
    // People read this reason in a field's history: the run's short id, as cards show it.
    reason: `superseded by ${newer.dryRun ? 'a newer dry-run' : 'the live'} proposal of run ${newer.runId.slice(0, 8)}`,
  } satisfies ProvenanceEntry);
}

async function carry(
  tx: TxLike,
  live: ProposalRow,
  carried: NonNullable<ReturnType<typeof carriedDecision>>,
  at: Date,
): Promise<ProposalRow> {
  const [row] = await tx
    .update(proposals)
    .set({
      status: carried.status,
      decidedBy: carried.by,
      decidedAt: at,
      editedValue: carried.editedValue,
      carriedFrom: carried.from,
      version: sql`${proposals.version} + 1`,
    })
    .where(and(eq(proposals.id, live.id), eq(proposals.status, 'pending')))
    .returning();
  if (!row) throw new Error(`proposal ${live.id} changed while its page was being committed`);
  await tx.insert(provenance).values({
    ...logged(row),
    action: carried.status,
    actor: `slack:${carried.by}`,
    newValue: carried.editedValue ?? row.newValue,
    reason: `carried from the decision on dry-run card ${carried.from} at ${carried.decidedAt.toISOString()}; not asked again`,
  } satisfies ProvenanceEntry);
  return row;
}

/** The columns every log row about a proposal copies from it. */
function logged(row: ProposalRow) {
  return {
    runId: row.runId,
    object: row.object,
    recordId: row.recordId,
    field: row.field,
    previousValue: row.oldValue,
    newValue: row.newValue,
    sourceNoteId: row.sourceNoteId,
    quote: row.quote,
    model: row.model,
    confidence: row.confidence,
    dryRun: row.dryRun,
    proposalId: row.id,
  };
}
