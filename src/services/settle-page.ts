import type { CrmPort, PropertyWrite, WriteResult } from '../crm/crm-port.js';
import type { DealLocks } from '../db/deal-locks.js';
import type { ProposalEntry, ProvenanceEntry, WatermarkEntry } from '../db/run-ledger.js';
import type { Action } from '../domain/actions.js';
import type { Policy } from '../domain/policy.js';
import type { ModelUsage } from '../domain/run-summary.js';
import type { DealOutcome } from './deal-outcome.js';

export const OBJECT = 'deal';
const AGENT = 'agent';

export interface SettleDeps {
  readonly crm: Pick<CrmPort, 'kind' | 'writeProperties'>;
  /** The per-deal locks approved applies and undos take, held around a run's writes too. */
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

/** Applies the page's writes through the CRM (live only) and builds its proposals, log rows and watermarks. */
export async function settlePage(input: {
  deps: SettleDeps;
  runId: string;
  live: boolean;
  perDeal: readonly DealOutcome[];
  usage: ModelUsage;
  deals: DealCounts;
}) {
  const { deps, runId, live, perDeal } = input;
  const now = deps.clock();
  const writes: Array<PropertyWrite & { at: [number, number] }> = [];
  perDeal.forEach((d, i) => {
    d.judgements.forEach((j, k) => {
      if (j.outcome.kind === 'write') {
        writes.push({
          dealId: d.deal.id,
          property: j.outcome.property,
          value: j.outcome.value,
          expected: j.outcome.previous,
          at: [i, k],
        });
      }
    });
  });
  const results = live && writes.length > 0 ? await writeUnderDealLocks(deps, writes) : [];
  const writeResult = new Map(writes.map((w, n) => [`${w.at[0]}:${w.at[1]}`, results[n]]));

  const proposals: ProposalEntry[] = [];
  const rows: Array<ProvenanceEntry & { pendingProposal?: string }> = [];
  const watermarks: WatermarkEntry[] = [];
  const expiresAt = new Date(now.getTime() + deps.policy.proposalTtlHours * 3_600_000);

  perDeal.forEach((d, i) => {
    if (d.usage) addUsage(input.usage, d.usage);
    const base = {
      runId,
      object: OBJECT,
      recordId: d.deal.id,
      model: d.model,
      actor: AGENT,
      dryRun: !live,
    };
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
        repValue: d.deal.properties[j.field] ?? null,
      };
      switch (o.kind) {
        case 'drop':
          rows.push({ ...row, action: 'dropped', reason: o.reason });
          return;
        case 'deny':
          rows.push({ ...row, action: 'denied', reason: o.reason });
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

/**
 * HubSpot has no conditional update, so a run's compare-then-write holds the deals' locks,
 * as approved applies and undos do: a worker's write and another worker's apply on the same
 * deal never interleave. The local CRM compares and writes under row locks in one
 * transaction, which already excludes them; a deal lock on top would only tie up a
 * connection per write.
 */
function writeUnderDealLocks(
  deps: SettleDeps,
  writes: readonly PropertyWrite[],
): Promise<WriteResult[]> {
  const write = () => deps.crm.writeProperties(writes);
  if (deps.crm.kind === 'local') return write();
  return deps.withDealLocks(
    writes.map((w) => w.dealId),
    write,
  );
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
