import { and, eq, inArray, or, sql } from 'drizzle-orm';
import type { ProposalRow } from '../domain/proposal.js';
import type { ProvenanceEntry } from '../domain/provenance.js';
import { carriedDecision, supersedes } from '../domain/supersede.js';
import type { Db } from './client.js';
import { proposals } from './schema.js';

type TxLike = Pick<Db, 'select' | 'update'>;

/**
 * For proposals a page just stored (docs/guarantees.md#g12): older pending proposals for the
 * same field become `superseded` (rules in domain/supersede.ts), and a live proposal inherits
 * a person's approval or edit of the dry-run card for the same change. In `tx`, the page's
 * transaction, before it writes any log row: these row locks come before the hash chain's,
 * as a click takes them. Returns the proposals now decided (the caller promises their
 * applies in the same transaction) and the log rows to write after the page's own.
 */
export async function supersedeEarlier(
  tx: TxLike,
  storedIds: readonly string[],
  at: Date,
): Promise<{ decided: ProposalRow[]; log: ProvenanceEntry[] }> {
  const log: ProvenanceEntry[] = [];
  const decided: ProposalRow[] = [];
  if (storedIds.length === 0) return { decided, log };
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
  for (const newer of stored) {
    for (const older of earlier.filter((o) => supersedes(newer, o))) {
      const entry = await supersede(tx, older, newer);
      if (entry) log.push(entry);
      older.status = 'superseded';
    }
    const carried = carriedDecision(newer, earlier);
    if (carried) {
      const done = await carry(tx, newer, carried, at);
      decided.push(done.row);
      log.push(done.entry);
    }
  }
  return { decided, log };
}

async function supersede(
  tx: TxLike,
  older: ProposalRow,
  newer: ProposalRow,
): Promise<ProvenanceEntry | null> {
  const [row] = await tx
    .update(proposals)
    .set({ status: 'superseded', supersededBy: newer.id, version: sql`${proposals.version} + 1` })
    .where(and(eq(proposals.id, older.id), eq(proposals.status, 'pending')))
    .returning();
  if (!row) return null;
  return {
    ...logged(row),
    action: 'superseded',
    actor: 'agent',
    // People read this reason in a field's history: the run's short id, as cards show it.
    reason: `superseded by ${newer.dryRun ? 'a newer dry-run' : 'the live'} proposal of run ${newer.runId.slice(0, 8)}`,
  };
}

async function carry(
  tx: TxLike,
  live: ProposalRow,
  carried: NonNullable<ReturnType<typeof carriedDecision>>,
  at: Date,
): Promise<{ row: ProposalRow; entry: ProvenanceEntry }> {
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
  const entry: ProvenanceEntry = {
    ...logged(row),
    action: carried.status,
    actor: `slack:${carried.by}`,
    newValue: carried.editedValue ?? row.newValue,
    reason: `carried from the decision on dry-run card ${carried.from} at ${carried.decidedAt.toISOString()}; not asked again`,
  };
  return { row, entry };
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
