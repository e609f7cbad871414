import type { Action } from '../domain/actions.js';
import type { Judgement } from '../domain/judge-deal.js';
import type { Policy } from '../domain/policy.js';
import type { ProposalEntry } from '../domain/proposal.js';
import type { ProvenanceEntry } from '../domain/provenance.js';
import { emptyUsage, type ModelUsage } from '../domain/run-summary.js';
import type { DealOutcome } from './deal-outcome.js';
import type { WriteResult } from './ports/crm.js';
import type { WatermarkEntry } from './ports/run-ledger.js';

/*
 * What a settled page records, step by step: each deal's log rows, proposals and
 * watermark from its judgements and the CRM's answers to its writes, and what the page
 * adds to the run's totals. Each step returns what it records; nothing here writes, and
 * only addUsage and addDeals add into a total they are given.
 */

export const OBJECT = 'deal';
const AGENT = 'agent';

export interface DealCounts {
  extracted: number;
  no_new_notes: number;
  failed: number;
}

/** Where a judgement's write result is found: its deal's and its own place in the page. */
export const writeKey = (dealIndex: number, judgementIndex: number) =>
  `${dealIndex}:${judgementIndex}`;

export function rowBase(d: DealOutcome, runId: string) {
  return { runId, object: OBJECT, recordId: d.deal.id, model: d.model, actor: AGENT };
}

/** A log row; a proposed one names its proposal until the commit says whether it was stored. */
type PageRow = ProvenanceEntry & { pendingProposal?: string };

/** What a page records: its proposals, log rows and watermarks, and what it adds to the run's totals. */
export interface PageRecord {
  readonly proposals: readonly ProposalEntry[];
  readonly rows: readonly PageRow[];
  readonly watermarks: readonly WatermarkEntry[];
  readonly usage: ModelUsage;
  readonly deals: DealCounts;
}

/** What recording one deal needs beyond the deal itself. */
interface RecordContext {
  readonly runId: string;
  readonly live: boolean;
  readonly newId: () => string;
  /** When a proposal made now expires. */
  readonly expiresAt: Date;
  readonly writeResult: ReadonlyMap<string, WriteResult | undefined>;
}

/** The page's proposals, log rows and watermarks, given what each live write did. */
export function recordPage(
  input: {
    runId: string;
    live: boolean;
    perDeal: readonly DealOutcome[];
    deps: {
      readonly policy: Pick<Policy, 'proposalTtlHours'>;
      readonly clock: () => Date;
      readonly newId: () => string;
    };
  },
  writeResult: ReadonlyMap<string, WriteResult | undefined>,
): PageRecord {
  const { deps } = input;
  const ctx: RecordContext = {
    runId: input.runId,
    live: input.live,
    newId: deps.newId,
    expiresAt: new Date(deps.clock().getTime() + deps.policy.proposalTtlHours * 3_600_000),
    writeResult,
  };
  const dealRecords = input.perDeal.map((d, i) => recordDeal(d, i, ctx));
  const usage = emptyUsage();
  const deals: DealCounts = { extracted: 0, no_new_notes: 0, failed: 0 };
  for (const r of dealRecords) {
    if (r.usage) addUsage(usage, r.usage);
    deals[r.counted] += 1;
  }
  return {
    proposals: dealRecords.flatMap((r) => r.proposals),
    rows: dealRecords.flatMap((r) => r.rows),
    watermarks: dealRecords.flatMap((r) => (r.watermark ? [r.watermark] : [])),
    usage,
    deals,
  };
}

interface DealRecord {
  readonly counted: keyof DealCounts;
  readonly usage: ModelUsage | null;
  readonly proposals: readonly ProposalEntry[];
  readonly rows: readonly PageRow[];
  /** Set when every note up to the newest is settled: live, and none of the deal's writes failed. */
  readonly watermark: WatermarkEntry | null;
}

/** One deal's rows: a failed extraction or a rejected answer is one row, else one per judgement. */
function recordDeal(d: DealOutcome, dealIndex: number, ctx: RecordContext): DealRecord {
  const base = { ...rowBase(d, ctx.runId), dryRun: !ctx.live };
  const alone = (counted: keyof DealCounts, row: PageRow): DealRecord => ({
    counted,
    usage: d.usage,
    proposals: [],
    rows: [row],
    watermark: null,
  });
  if (d.failure !== null)
    return alone('failed', {
      ...base,
      field: '(extraction)',
      action: 'failed',
      reason: `extraction failed: ${d.failure}`,
    });
  const counted = d.extracted ? 'extracted' : 'no_new_notes';
  if (d.rejection !== null)
    return alone(counted, {
      ...base,
      field: '(answer)',
      action: 'dropped',
      reason: `model answer rejected: ${d.rejection}`,
    });
  const judged = d.judgements.map((j, k) =>
    recordJudgement(d, j, base, ctx, ctx.writeResult.get(writeKey(dealIndex, k))),
  );
  const settled = ctx.live && !judged.some((j) => j.writeFailed);
  return {
    counted,
    usage: d.usage,
    proposals: judged.flatMap((j) => (j.proposal ? [j.proposal] : [])),
    rows: judged.map((j) => j.row),
    watermark:
      settled && d.newestNote
        ? {
            dealId: d.deal.id,
            noteCreatedAt: d.newestNote.createdAt,
            noteId: d.newestNote.id,
            runId: ctx.runId,
          }
        : null,
  };
}

interface JudgementRecord {
  readonly row: PageRow;
  readonly proposal?: ProposalEntry;
  /** A live write that did not land (neither written nor a conflict): the watermark stays put. */
  readonly writeFailed?: boolean;
}

/** The log row a judgement earns, and the proposal it makes. */
function recordJudgement(
  d: DealOutcome,
  j: Judgement,
  base: ReturnType<typeof rowBase> & { dryRun: boolean },
  ctx: RecordContext,
  result: WriteResult | undefined,
): JudgementRecord {
  const o = j.outcome;
  const row = {
    ...base,
    field: o.property,
    sourceNoteId: j.noteId,
    quote: j.quote,
    confidence: j.confidence,
    // Scout's own earlier write is no rep value to defer to (docs/guarantees.md#g19).
    repValue: o.kind === 'skip' && o.scoutsOwn ? null : (d.deal.properties[j.field] ?? null),
  };
  switch (o.kind) {
    case 'drop':
      return { row: { ...row, action: 'dropped', reason: o.reason } };
    case 'deny':
      return {
        row: {
          ...row,
          action: 'denied',
          reason: o.reason,
          ...(o.fyi !== undefined ? { newValue: o.fyi } : {}),
        },
      };
    case 'skip':
      return { row: { ...row, action: 'skipped', reason: o.reason, newValue: o.value } };
    case 'propose': {
      const id = ctx.newId();
      return {
        proposal: {
          id,
          runId: ctx.runId,
          object: OBJECT,
          recordId: d.deal.id,
          field: o.property,
          oldValue: o.previous,
          newValue: o.value,
          sourceNoteId: j.noteId ?? '',
          quote: j.quote ?? '',
          confidence: j.confidence ?? 0,
          model: d.model,
          dryRun: !ctx.live,
          expiresAt: ctx.expiresAt,
          screenReason: o.screen ?? null,
        },
        row: {
          ...row,
          action: 'proposed',
          reason: o.reason,
          previousValue: o.previous,
          newValue: o.value,
          proposalId: id,
          pendingProposal: id,
        },
      };
    }
    case 'write':
      return writeRecord(
        { ...row, previousValue: o.previous, newValue: o.value },
        o.lane,
        ctx.live,
        result,
      );
  }
}

/** A write's row: would_write on a dry run, else what the CRM answered. */
function writeRecord(
  written: Omit<ProvenanceEntry, 'action' | 'reason'>,
  lane: 'suggest' | 'auto',
  live: boolean,
  r: WriteResult | undefined,
): JudgementRecord {
  if (!live) return { row: { ...written, action: 'would_write', reason: laneReason(lane) } };
  if (r?.status === 'written')
    return { row: { ...written, action: 'written', reason: laneReason(lane) } };
  if (r?.status === 'conflict')
    return {
      row: {
        ...written,
        action: 'skipped',
        reason: `the value changed while the run was deciding (now ${JSON.stringify(r.current)}); not overwritten`,
      },
    };
  return {
    writeFailed: true,
    row: {
      ...written,
      action: 'failed',
      reason: r?.status === 'failed' ? r.reason : 'the CRM gave no result for this write',
    },
  };
}

/** The rows to log; a proposal the database refused as a duplicate of a pending one becomes a skip, not a phantom card. */
export function provenanceOf(
  rows: readonly PageRow[],
  stored: ReadonlySet<string>,
): ProvenanceEntry[] {
  return rows.map(({ pendingProposal, ...r }) =>
    pendingProposal && !stored.has(pendingProposal)
      ? {
          ...r,
          action: 'skipped' as Action,
          proposalId: null,
          reason: 'already proposed: a card for this value awaits a decision',
        }
      : r,
  );
}

export function laneReason(lane: 'suggest' | 'auto'): string {
  return lane === 'suggest'
    ? "into Scout's own suggestion field, not the rep's"
    : 'the field was empty and the finding was confident enough to write without a person';
}

export function addUsage(into: ModelUsage, add: ModelUsage): void {
  into.input_tokens += add.input_tokens;
  into.output_tokens += add.output_tokens;
  into.cache_creation_input_tokens += add.cache_creation_input_tokens;
  into.cache_read_input_tokens += add.cache_read_input_tokens;
}

export function addDeals(into: DealCounts, add: DealCounts): void {
  into.extracted += add.extracted;
  into.no_new_notes += add.no_new_notes;
  into.failed += add.failed;
}
