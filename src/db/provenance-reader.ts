import { and, asc, eq, gt, gte, inArray, lt, or, type SQL } from 'drizzle-orm';
import { suggestionProperty } from '../domain/values.js';
import type { Db } from './client.js';
import { provenance } from './schema.js';

/** A provenance row as `scout log --json` prints it (SPEC interface contract). */
export interface ProvenanceRowJson {
  id: number;
  run_id: string;
  object: string;
  record_id: string;
  field: string;
  action: string;
  reason: string | null;
  previous_value: unknown;
  new_value: unknown;
  rep_value: unknown;
  source_note_id: string | null;
  quote: string | null;
  model: string | null;
  confidence: number | null;
  actor: string;
  dry_run: boolean;
  created_at: string;
  proposal_id: string | null;
}

/** What `scout log` narrows by; every filter given must hold (docs/guarantees.md#g25). */
export interface ProvenanceFilter {
  readonly runId?: string;
  readonly dealId?: string;
  /** A rep-owned field: its `scout_<field>` suggestion rows match too. */
  readonly field?: string;
  readonly actions?: readonly string[];
  /** `agent`, `cli`, `slack:U…`, or a bare Slack user id (matched as `slack:U…`). */
  readonly actor?: string;
  /** Rows at or after this time. */
  readonly since?: Date;
  /** Rows before this time. */
  readonly until?: Date;
}

function conditionsOf(filter: ProvenanceFilter): SQL[] {
  const c: SQL[] = [];
  if (filter.runId) c.push(eq(provenance.runId, filter.runId));
  if (filter.dealId) c.push(eq(provenance.recordId, filter.dealId));
  if (filter.field)
    c.push(
      or(
        eq(provenance.field, filter.field),
        eq(provenance.field, suggestionProperty(filter.field)),
      ) as SQL,
    );
  if (filter.actions && filter.actions.length > 0)
    c.push(inArray(provenance.action, [...filter.actions]));
  if (filter.actor)
    c.push(
      or(eq(provenance.actor, filter.actor), eq(provenance.actor, `slack:${filter.actor}`)) as SQL,
    );
  if (filter.since) c.push(gte(provenance.createdAt, filter.since));
  if (filter.until) c.push(lt(provenance.createdAt, filter.until));
  return c;
}

/** Streams provenance rows in order, a page at a time, narrowed by {@link ProvenanceFilter}. */
export async function* readProvenance(
  db: Db,
  filter: ProvenanceFilter,
  pageSize = 1000,
): AsyncGenerator<ProvenanceRowJson> {
  let after = 0;
  const filters = conditionsOf(filter);
  for (;;) {
    const conditions: SQL[] = [gt(provenance.id, after), ...filters];
    const rows = await db
      .select()
      .from(provenance)
      .where(and(...conditions))
      .orderBy(asc(provenance.id))
      .limit(pageSize);
    for (const r of rows) {
      yield {
        id: r.id,
        run_id: r.runId,
        object: r.object,
        record_id: r.recordId,
        field: r.field,
        action: r.action,
        reason: r.reason,
        previous_value: r.previousValue ?? null,
        new_value: r.newValue ?? null,
        rep_value: r.repValue ?? null,
        source_note_id: r.sourceNoteId,
        quote: r.quote,
        model: r.model,
        confidence: r.confidence,
        actor: r.actor,
        dry_run: r.dryRun,
        created_at: r.createdAt.toISOString(),
        proposal_id: r.proposalId,
      };
    }
    if (rows.length < pageSize) return;
    after = rows.at(-1)?.id ?? after;
  }
}
