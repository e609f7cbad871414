import { and, asc, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { PropertyValue } from '../domain/values.js';
import type { Db } from './client.js';
import { proposals, provenance, runs } from './schema.js';

/**
 * The only parts of a database handle the summary reader may use: the selects. No insert,
 * update, delete, execute or transaction is reachable through this type (docs/guarantees.md#g16).
 */
export type SelectOnlyDb = Pick<Db, 'select' | 'selectDistinct'>;

/** The columns of a provenance row that explain a value (docs/guarantees.md#g10), and nothing else. */
const historyColumns = {
  id: provenance.id,
  runId: provenance.runId,
  field: provenance.field,
  action: provenance.action,
  reason: provenance.reason,
  previousValue: provenance.previousValue,
  newValue: provenance.newValue,
  sourceNoteId: provenance.sourceNoteId,
  quote: provenance.quote,
  confidence: provenance.confidence,
  actor: provenance.actor,
  dryRun: provenance.dryRun,
  proposalId: provenance.proposalId,
  createdAt: provenance.createdAt,
};

export interface HistoryRow {
  readonly id: number;
  readonly runId: string;
  readonly field: string;
  readonly action: string;
  readonly reason: string | null;
  readonly previousValue: PropertyValue | null;
  readonly newValue: PropertyValue | null;
  readonly sourceNoteId: string | null;
  readonly quote: string | null;
  readonly confidence: number | null;
  readonly actor: string;
  readonly dryRun: boolean;
  readonly proposalId: string | null;
  readonly createdAt: Date;
}

export interface PendingProposal {
  readonly id: string;
  readonly field: string;
  readonly oldValue: unknown;
  readonly newValue: unknown;
  readonly quote: string;
  readonly sourceNoteId: string;
  readonly confidence: number;
  readonly dryRun: boolean;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly slackChannel: string | null;
  readonly slackTs: string | null;
}

export interface ScanInfo {
  readonly runId: string;
  readonly mode: 'live' | 'dry_run';
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
}

/** Read-only questions about one deal's history in Scout's own database. */
export interface DealHistoryReader {
  /** Every provenance row of the deal about these properties, oldest first. */
  rowsFor(dealId: string, properties: readonly string[]): Promise<HistoryRow[]>;
  /** Which of these properties have any provenance row for the deal. */
  propertiesWithHistory(dealId: string, properties: readonly string[]): Promise<Set<string>>;
  pending(dealId: string): Promise<PendingProposal[]>;
  /** The newest completed extraction run that covered the deal, and the newest live one. */
  lastScans(dealId: string): Promise<{ latest: ScanInfo | null; latestLive: ScanInfo | null }>;
}

const DEAL = 'deal';

export function createDealHistoryReader(db: SelectOnlyDb): DealHistoryReader {
  /**
   * A run covered the deal when it settled the deal as a worker job, logged anything
   * about it, or went through every deal it aimed at (no cap cut it short) and the deal
   * was among them.
   */
  const covered = (dealId: string): SQL => sql`(
    exists (select 1 from run_deals d where d.run_id = ${runs.id} and d.deal_id = ${dealId} and d.state <> 'queued')
    or exists (select 1 from provenance p where p.run_id = ${runs.id} and p.object = ${DEAL} and p.record_id = ${dealId})
    or ((${runs.dealFilter} is null or ${runs.dealFilter} @> jsonb_build_array(${dealId}::text))
        and ${runs.scanned} >= ${runs.total})
  )`;
  const lastScan = async (dealId: string, liveOnly: boolean): Promise<ScanInfo | null> => {
    const [row] = await db
      .select({
        runId: runs.id,
        mode: runs.mode,
        startedAt: runs.startedAt,
        finishedAt: runs.finishedAt,
      })
      .from(runs)
      .where(
        and(
          eq(runs.kind, 'extract'),
          eq(runs.status, 'completed'),
          liveOnly ? eq(runs.mode, 'live') : undefined,
          covered(dealId),
        ),
      )
      .orderBy(desc(runs.startedAt))
      .limit(1);
    return row ? { ...row, mode: row.mode === 'live' ? 'live' : 'dry_run' } : null;
  };
  return {
    async rowsFor(dealId, properties) {
      if (properties.length === 0) return [];
      return db
        .select(historyColumns)
        .from(provenance)
        .where(
          and(
            eq(provenance.object, DEAL),
            eq(provenance.recordId, dealId),
            inArray(provenance.field, [...properties]),
          ),
        )
        .orderBy(asc(provenance.id));
    },

    async propertiesWithHistory(dealId, properties) {
      if (properties.length === 0) return new Set();
      const rows = await db
        .selectDistinct({ field: provenance.field })
        .from(provenance)
        .where(
          and(
            eq(provenance.object, DEAL),
            eq(provenance.recordId, dealId),
            inArray(provenance.field, [...properties]),
          ),
        );
      return new Set(rows.map((r) => r.field));
    },

    async pending(dealId) {
      return db
        .select({
          id: proposals.id,
          field: proposals.field,
          oldValue: proposals.oldValue,
          newValue: proposals.newValue,
          quote: proposals.quote,
          sourceNoteId: proposals.sourceNoteId,
          confidence: proposals.confidence,
          dryRun: proposals.dryRun,
          createdAt: proposals.createdAt,
          expiresAt: proposals.expiresAt,
          slackChannel: proposals.slackChannel,
          slackTs: proposals.slackTs,
        })
        .from(proposals)
        .where(
          and(
            eq(proposals.object, DEAL),
            eq(proposals.recordId, dealId),
            eq(proposals.status, 'pending'),
          ),
        )
        .orderBy(asc(proposals.createdAt), asc(proposals.id));
    },

    async lastScans(dealId) {
      const [latest, latestLive] = await Promise.all([
        lastScan(dealId, false),
        lastScan(dealId, true),
      ]);
      return { latest, latestLive };
    },
  };
}
