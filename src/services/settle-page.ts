import type { Action } from '../domain/actions.js';
import type { Policy } from '../domain/policy.js';
import type { ProposalEntry } from '../domain/proposal.js';
import type { ProvenanceEntry } from '../domain/provenance.js';
import type { ModelUsage } from '../domain/run-summary.js';
import type { DealOutcome } from './deal-outcome.js';
import type { CrmPort, PropertyWrite, WriteResult } from './ports/crm.js';
import type { DealLocks } from './ports/deal-lock.js';
import type { PageCommit, RunLedger, WatermarkEntry } from './ports/run-ledger.js';
import type { IntentDraft } from './ports/write-journal.js';
import { writeRecorded } from './recorded-write.js';

export const OBJECT = 'deal';
const AGENT = 'agent';

export interface SettleDeps {
  readonly crm: Pick<CrmPort, 'kind' | 'writeProperties' | 'restoreProperties' | 'atomic'>;
  readonly ledger: Pick<RunLedger, 'commitPage' | 'journal'>;
  /** The per-deal locks approved applies and undos take, held around a run's remote writes too. */
  readonly withDealLocks: DealLocks;
  readonly policy: Policy;
  readonly clock: () => Date;
  readonly newId: () => string;
}

export interface DealCounts {
  extracted: number;
  no_new_notes: number;
  failed: number;
}

/**
 * Settles one page of outcomes: its writes (live only) go to the CRM together with their
 * record (SPEC G19, see writeRecorded), and its proposals, log rows and watermarks commit
 * in that same transaction, with `extra` (a worker deal's settlement, a batch's
 * collection). Returns the rows logged.
 */
export async function settlePage(input: {
  deps: SettleDeps;
  runId: string;
  live: boolean;
  perDeal: readonly DealOutcome[];
  usage: ModelUsage;
  deals: DealCounts;
  /** What else commits with the page, asked once the writes' results are known. */
  extra?: () => Pick<PageCommit, 'settle' | 'collected' | 'progress'>;
}): Promise<readonly ProvenanceEntry[]> {
  const { deps, live } = input;
  const writes = live ? plannedWrites(input.runId, input.perDeal) : [];
  const commit = () =>
    writeRecorded({ crm: deps.crm, journal: deps.ledger.journal }, async (send) => {
      const results = await send(
        'write',
        writes,
        writes.map((w) => w.intent),
      );
      return async (tx) => {
        const page = recordPage(input, new Map(writes.map((w, n) => [w.key, results[n]])));
        const stored = await deps.ledger.commitPage({ ...page, ...input.extra?.() }, tx);
        return page.provenance(stored);
      };
    });
  // A remote CRM's page is written and recorded under its deals' locks, as approved applies
  // and undos are: a write and another process's apply on the same deal never interleave,
  // and an intent found open under the lock belongs to a dead writer. The local CRM's row
  // locks, held to the same commit, already exclude them.
  if (writes.length === 0 || deps.crm.atomic) return commit();
  return deps.withDealLocks(
    writes.map((w) => w.dealId),
    commit,
  );
}

type PlannedWrite = PropertyWrite & { readonly key: string; readonly intent: IntentDraft };

/** The page's compare-then-writes, each with the provenance row it earns if it happens. */
function plannedWrites(runId: string, perDeal: readonly DealOutcome[]): PlannedWrite[] {
  const out: PlannedWrite[] = [];
  perDeal.forEach((d, i) => {
    if (d.failure !== null || d.rejection !== null) return;
    d.judgements.forEach((j, k) => {
      const o = j.outcome;
      if (o.kind !== 'write') return;
      const write = {
        dealId: d.deal.id,
        property: o.property,
        value: o.value,
        expected: o.previous,
      };
      out.push({
        ...write,
        key: `${i}:${k}`,
        intent: {
          mode: 'write',
          recordId: d.deal.id,
          property: o.property,
          expected: o.previous,
          value: o.value,
          entry: {
            ...rowBase(d, runId),
            field: o.property,
            sourceNoteId: j.noteId,
            quote: j.quote,
            confidence: j.confidence,
            repValue: d.deal.properties[j.field] ?? null,
            previousValue: o.previous,
            newValue: o.value,
            action: 'written',
            reason: laneReason(o.lane),
            dryRun: false,
          },
        },
      });
    });
  });
  return out;
}

function rowBase(d: DealOutcome, runId: string) {
  return { runId, object: OBJECT, recordId: d.deal.id, model: d.model, actor: AGENT };
}

/** The page's proposals, log rows and watermarks, given what each live write did. */
function recordPage(
  input: {
    runId: string;
    live: boolean;
    perDeal: readonly DealOutcome[];
    usage: ModelUsage;
    deals: DealCounts;
    deps: Pick<SettleDeps, 'policy' | 'clock' | 'newId'>;
  },
  writeResult: ReadonlyMap<string, WriteResult | undefined>,
) {
  const { deps, runId, live, perDeal } = input;
  const now = deps.clock();
  const proposals: ProposalEntry[] = [];
  const rows: Array<ProvenanceEntry & { pendingProposal?: string }> = [];
  const watermarks: WatermarkEntry[] = [];
  const expiresAt = new Date(now.getTime() + deps.policy.proposalTtlHours * 3_600_000);

  perDeal.forEach((d, i) => {
    if (d.usage) addUsage(input.usage, d.usage);
    const base = { ...rowBase(d, runId), dryRun: !live };
    if (d.failure !== null) {
      input.deals.failed += 1;
      rows.push({
        ...base,
        field: '(extraction)',
        action: 'failed',
        reason: `extraction failed: ${d.failure}`,
      });
      return;
    }
    if (d.extracted) input.deals.extracted += 1;
    else input.deals.no_new_notes += 1;
    if (d.rejection !== null) {
      rows.push({
        ...base,
        field: '(answer)',
        action: 'dropped',
        reason: `model answer rejected: ${d.rejection}`,
      });
      return;
    }
    let dealWriteFailed = false;
    d.judgements.forEach((j, k) => {
      const o = j.outcome;
      const row = {
        ...base,
        field: o.property,
        sourceNoteId: j.noteId,
        quote: j.quote,
        confidence: j.confidence,
        // Scout's own earlier write is no rep value to defer to (SPEC G19).
        repValue: o.kind === 'skip' && o.scoutsOwn ? null : (d.deal.properties[j.field] ?? null),
      };
      switch (o.kind) {
        case 'drop':
          rows.push({ ...row, action: 'dropped', reason: o.reason });
          return;
        case 'deny':
          rows.push({
            ...row,
            action: 'denied',
            reason: o.reason,
            ...(o.fyi !== undefined ? { newValue: o.fyi } : {}),
          });
          return;
        case 'skip':
          rows.push({ ...row, action: 'skipped', reason: o.reason, newValue: o.value });
          return;
        case 'propose': {
          const id = deps.newId();
          proposals.push({
            id,
            runId,
            object: OBJECT,
            recordId: d.deal.id,
            field: o.property,
            oldValue: o.previous,
            newValue: o.value,
            sourceNoteId: j.noteId ?? '',
            quote: j.quote ?? '',
            confidence: j.confidence ?? 0,
            model: d.model,
            dryRun: !live,
            expiresAt,
            screenReason: o.screen ?? null,
          });
          rows.push({
            ...row,
            action: 'proposed',
            reason: o.reason,
            previousValue: o.previous,
            newValue: o.value,
            proposalId: id,
            pendingProposal: id,
          });
          return;
        }
        case 'write': {
          const written = { ...row, previousValue: o.previous, newValue: o.value };
          if (!live) {
            rows.push({ ...written, action: 'would_write', reason: laneReason(o.lane) });
            return;
          }
          const r = writeResult.get(`${i}:${k}`);
          if (r?.status === 'written')
            rows.push({ ...written, action: 'written', reason: laneReason(o.lane) });
          else if (r?.status === 'conflict') {
            rows.push({
              ...written,
              action: 'skipped',
              reason: `the value changed while the run was deciding (now ${JSON.stringify(r.current)}); not overwritten`,
            });
          } else {
            dealWriteFailed = true;
            rows.push({
              ...written,
              action: 'failed',
              reason: r?.status === 'failed' ? r.reason : 'the CRM gave no result for this write',
            });
          }
        }
      }
    });
    if (live && !dealWriteFailed && d.newestNote) {
      watermarks.push({
        dealId: d.deal.id,
        noteCreatedAt: d.newestNote.createdAt,
        noteId: d.newestNote.id,
        runId,
      });
    }
  });

  return {
    proposals,
    watermarks,
    // A proposal the database refused as a duplicate of a pending one becomes a skip, not a phantom card.
    provenance: (stored: ReadonlySet<string>): ProvenanceEntry[] =>
      rows.map(({ pendingProposal, ...r }) =>
        pendingProposal && !stored.has(pendingProposal)
          ? {
              ...r,
              action: 'skipped' as Action,
              proposalId: null,
              reason: 'already proposed: a card for this value awaits a decision',
            }
          : r,
      ),
  };
}

function laneReason(lane: 'suggest' | 'auto'): string {
  return lane === 'suggest'
    ? 'suggestion into the agent namespace'
    : 'auto field, at or above the auto threshold, was empty';
}

function addUsage(into: ModelUsage, add: ModelUsage): void {
  into.input_tokens += add.input_tokens;
  into.output_tokens += add.output_tokens;
  into.cache_creation_input_tokens += add.cache_creation_input_tokens;
  into.cache_read_input_tokens += add.cache_read_input_tokens;
}
