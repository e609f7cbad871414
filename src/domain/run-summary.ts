import { ACTIONS, type Action } from './actions.js';
import { type ChainHead, formatChainHead } from './hash-chain.js';
import { formatUndoLines, type UndoInfo } from './undo-summary.js';
import type { WriteGateState } from './write-gates.js';

export interface ModelUsage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
}

export function emptyUsage(): ModelUsage {
  return {
    input_tokens: 0,
    output_tokens: 0,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
  };
}

/** The run summary as `scout run --json` prints it (SPEC interface contract). */
export interface RunSummary {
  run_id: string;
  /** docs/guarantees.md#g20: `interrupted` when the run's process died and its lease lapsed. */
  status: RunStatus;
  mode: 'live' | 'dry_run';
  locks: WriteGateState;
  scanned: number;
  total: number;
  cap: number | null;
  counts: Record<Action, number>;
  /** Per-deal outcomes: extracted, skipped for lack of new notes, or failed. */
  deals: { extracted: number; no_new_notes: number; failed: number };
  warnings: string[];
  usage: ModelUsage;
  /** Estimated model spend in USD from the published prices; null for a model without a known price. */
  estimated_cost_usd: number | null;
  model: string;
  /** Set when the model calls went through a Message Batch (half price). */
  batch_id?: string;
  /**
   * Set when the per-deal note cap kept new note text from the model (newest notes are
   * shown first): whole notes left out, and every character not shown.
   */
  extraction?: { notes_left_out: number; note_chars_left_out: number };
  /** HubSpot requests the run made, retries included (SCOUT_CRM=hubspot only). */
  hubspot_api_calls?: number;
  started_at: string;
  finished_at: string;
  /** The provenance hash chain's head when the run finished: keep it outside the database. */
  chain_head?: ChainHead | null;
  /** docs/guarantees.md#g25: the policy file the run ran under (its text: `scout policy show --run ID`). */
  policy?: { path: string; sha256: string };
  /** Set on an undo run: what it reverted and how that went. */
  undo?: UndoInfo;
}

/** `policy: { path, sha256 }` when the run recorded one (docs/guarantees.md#g25). */
export function policyOf(
  p: { path: string | null; sha256: string | null } | null | undefined,
): Pick<RunSummary, 'policy'> {
  return p?.path && p.sha256 ? { policy: { path: p.path, sha256: p.sha256 } } : {};
}

export type RunStatus = 'completed' | 'interrupted' | 'failed';

export const DRY_RUN_HEADLINE = 'DRY RUN — nothing was written';
export const LIVE_HEADLINE = 'LIVE';

/** The first line of a summary: the mode, and, loudest of all, a run that did not finish. */
export function summaryHeadline(s: Pick<RunSummary, 'status' | 'mode'>): string {
  const mode = s.mode === 'live' ? LIVE_HEADLINE : DRY_RUN_HEADLINE;
  if (s.status === 'interrupted') return `INTERRUPTED — ${mode} run stopped before it finished`;
  if (s.status === 'failed') return `FAILED — ${mode} run stopped on an error`;
  return mode;
}

/** The coverage warning a capped run must shout (docs/guarantees.md#g13, seed 002's leftover test cap). */
export function coverageWarning(scanned: number, total: number, cap: number | null): string | null {
  if (cap === null || cap >= total) return null;
  return `PARTIAL COVERAGE: scanned ${scanned} of ${total} deals because the run is capped at ${cap}; the other ${total - scanned} were not looked at`;
}

function formatUsage(s: RunSummary): string {
  const u = s.usage;
  const cached = u.cache_read_input_tokens + u.cache_creation_input_tokens;
  const cost =
    s.estimated_cost_usd === null
      ? 'cost unknown for this model'
      : `≈ $${s.estimated_cost_usd.toFixed(4)}`;
  const cache =
    cached > 0
      ? ` (+${u.cache_read_input_tokens} read from cache, ${u.cache_creation_input_tokens} written to it)`
      : '';
  const via = s.batch_id ? ` via Message Batch ${s.batch_id} (half price)` : '';
  return `model ${s.model}${via}: ${u.input_tokens} tokens in${cache}, ${u.output_tokens} out, ${cost}`;
}

const yesNo = (open: boolean) => (open ? 'open' : 'closed');

/**
 * The human summary (docs/guarantees.md#g14): the mode is the first line, then coverage, locks,
 * counts per action, and warnings. Plain text, so it reads the same in a terminal,
 * a log line or a Slack message.
 */
export function formatRunSummary(s: RunSummary): string {
  const lines: string[] = [summaryHeadline(s)];
  for (const w of s.warnings) lines.push(`WARNING: ${w}`);
  lines.push(`run ${s.run_id}`);
  const gatesLine =
    `locks: --apply ${yesNo(s.locks.apply)} · LIVE_WRITES=1 ${yesNo(s.locks.live_writes)} · ` +
    `pause ${s.locks.paused ? 'ON (writes blocked)' : 'off'}`;
  if (s.undo) {
    lines.push(...formatUndoLines(s.undo, s.mode, s.counts, gatesLine));
    if (s.chain_head !== undefined) lines.push(formatChainHead(s.chain_head));
    return lines.join('\n');
  }
  lines.push(
    `scanned ${s.scanned} of ${s.total} deals${s.cap === null ? ' (no cap)' : ` (cap ${s.cap})`}; ` +
      `${s.deals.extracted} extracted, ${s.deals.no_new_notes} had no new notes, ${s.deals.failed} failed`,
  );
  lines.push(gatesLine);
  const counts = ACTIONS.filter((a) => s.counts[a] > 0).map((a) => `${a} ${s.counts[a]}`);
  lines.push(`actions: ${counts.length > 0 ? counts.join(' · ') : 'none'}`);
  if (s.mode === 'dry_run') {
    const would = s.counts.would_write + s.counts.would_apply;
    lines.push(`0 writes, ${would} would-be write${would === 1 ? '' : 's'}`);
  }
  lines.push(formatUsage(s));
  if (s.extraction)
    lines.push(
      `note cap: ${s.extraction.notes_left_out} older new note(s) and ${s.extraction.note_chars_left_out} characters not shown to the model (newest notes first)`,
    );
  if (s.hubspot_api_calls !== undefined) {
    const per100 =
      s.scanned > 0
        ? ` (${((s.hubspot_api_calls / s.scanned) * 100).toFixed(1)} per 100 deals)`
        : '';
    lines.push(`HubSpot API calls: ${s.hubspot_api_calls}${per100}`);
  }
  if (s.chain_head !== undefined) lines.push(formatChainHead(s.chain_head));
  return lines.join('\n');
}
