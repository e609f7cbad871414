import type * as bolt from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Policy } from '../../domain/policy.js';
import type { ProposalRow } from '../../domain/proposal.js';
import type { ProvenanceEntry } from '../../domain/provenance.js';
import type { Logger } from '../../logger.js';
import { entry } from '../../services/decide-proposal.js';
import type { CrmReader } from '../../services/ports/crm.js';
import type { CardProposal, Notifier } from '../../services/ports/notifier.js';
import type { ProposalStore } from '../../services/ports/proposal-store.js';
import type { WriteNoticeStore } from '../../services/ports/write-notice-store.js';
import { undoWindowOpen, viewProposal } from '../../services/proposal-view.js';
import { type UndoDeps, type UndoSummary, undoChanges } from '../../services/undo-run.js';
import type { Background } from '../background.js';
import { ACTION_UNDO, approvalCard } from '../blocks/approval-card.js';
import { redrawWriteNotice } from '../write-notice.js';
import { changeButton, proposalButton } from './button-values.js';

/** What the Undo button needs beyond the Slack app's own parts. */
export interface SlackUndoDeps {
  /** How long after the approval (a write notice: the write) the button works; 0 turns undo from Slack off. */
  readonly windowHours: number;
  readonly undo: UndoDeps;
}

/** Who may undo from a card: the person who approved it, or an ops admin (never a button's value). */
export function mayUndo(
  row: Pick<ProposalRow, 'decidedBy'>,
  policy: Policy,
  user: string,
): boolean {
  return row.decidedBy === user || policy.opsAdmins.includes(user);
}

/**
 * What an undo from a card did, in words for the rep; `logged` are the undo's rows, and
 * `since` what the restored value came before (an approval, or Scout's own write).
 */
export function undoNote(
  summary: UndoSummary,
  logged: readonly Pick<ProvenanceEntry, 'action' | 'reason'>[],
  since = 'the approval',
): string {
  const c = summary.counts;
  if (summary.undo.already_undone > 0 && c.undone + c.would_undo + c.conflict + c.failed === 0)
    return 'already undone; nothing changed';
  if (c.undone > 0) return `undone: the value from before ${since} is back`;
  if (c.would_undo > 0)
    return `DRY RUN, nothing was restored: ${summary.warnings.join('; ') || 'a lock is closed'}. Press Undo again once the locks are open`;
  if (c.conflict > 0)
    return `left alone: the field was changed after ${since}, so Scout did not overwrite it`;
  const why = logged
    .filter((r) => r.action === 'failed' && r.reason)
    .map((r) => r.reason)
    .join('; ');
  return `the undo failed, nothing was restored${why ? `: ${why}` : ''} (run ${summary.run_id}). Press Undo to try again`;
}

/**
 * Whether an undo from a card settled the change: it was restored, already undone, or
 * left alone because someone changed the field since. A dry undo (a lock closed) or a
 * failed restore changed nothing, so the card keeps its button for a retry.
 */
export function undoSettled(summary: UndoSummary): boolean {
  return summary.counts.undone + summary.counts.conflict > 0 || summary.undo.already_undone > 0;
}

/**
 * The Undo button on applied cards (docs/guarantees.md#g15) and on write notices (issue 18):
 * acknowledged at once; then who (the approver, or for a write the deal's owner, or an ops
 * admin, from the signed payload) and the window are checked, the undo runs as its own run
 * through the write gates, its summary goes to the ops channel, and the message says what
 * happened. Refusals are ephemeral and logged.
 */
export function registerUndoButton(
  app: bolt.App,
  ctx: SlackUndoDeps & {
    client: WebClient;
    background: Background;
    notifier: Notifier;
    proposals: ProposalStore;
    crm: CrmReader;
    policy: Policy;
    clock: () => Date;
    logger: Logger;
    /** Issue 18: write notices, whose Undo buttons come here too; without it those are refused. */
    notices?: WriteNoticeStore;
  },
): void {
  const ephemeral = (channel: string | undefined, user: string, text: string) =>
    channel
      ? ctx.client.chat.postEphemeral({ channel, user, text }).then(() => undefined)
      : Promise.resolve();

  /** Redraws the card: Undo only within the window, and after an undo only if it settled nothing. */
  const refresh = async (
    row: ProposalRow,
    after?: { note: NonNullable<CardProposal['undoNote']>; settled: boolean },
  ) => {
    if (!row.slackChannel || !row.slackTs) return;
    const now = ctx.clock();
    const view = await viewProposal(ctx.crm, ctx.policy, row, { hours: ctx.windowHours, now });
    const card = { ...view.card, undoable: view.card.undoable && !after?.settled };
    await ctx.client.chat.update({
      channel: row.slackChannel,
      ts: row.slackTs,
      ...approvalCard(after ? { ...card, undoNote: after.note } : card),
    });
  };

  /**
   * The undo itself, the same from a card and from a write notice: one change, as a run of
   * its own through the write gates; then the message is redrawn and ops are told.
   */
  async function undoOne(
    user: string,
    channel: string | undefined,
    change: number,
    since: string,
    redraw: (after: {
      note: NonNullable<CardProposal['undoNote']>;
      settled: boolean;
    }) => Promise<void>,
  ) {
    const now = ctx.clock();
    let summary: UndoSummary;
    let logged: readonly ProvenanceEntry[];
    try {
      ({ summary, logged } = await undoChanges(ctx.undo, {
        target: { change_id: change },
        apply: true,
        actor: `slack:${user}`,
      }));
    } catch (error) {
      // The CRM or the database failed: say so, and point to the CLI, which is safe to retry.
      ctx.logger.error(
        { err: (error as Error).message, change_id: change },
        'undo from Slack failed',
      );
      return ephemeral(
        channel,
        user,
        `The undo did not finish: ${(error as Error).message}. Ops can check \`scout log\` and retry with \`scout undo --change ${change}\` (an undo never restores twice).`,
      );
    }
    const text = undoNote(summary, logged, since);
    await redraw({ note: { by: user, at: now, text }, settled: undoSettled(summary) });
    await ctx.notifier.postRunSummary(summary);
    await ephemeral(channel, user, `Undo: ${text}.`);
  }

  /** Outside the window the button is refused and the CLI pointed to. */
  const windowClosed = (channel: string | undefined, user: string, cli: string, from: string) =>
    ephemeral(
      channel,
      user,
      ctx.windowHours <= 0
        ? `Undo from Slack is turned off (SCOUT_UNDO_WINDOW_HOURS=0). Ops can run ${cli}.`
        : `The undo window (${ctx.windowHours} h after ${from}) has passed. Ops can still run ${cli}.`,
    );

  async function undoFromCard(user: string, channel: string | undefined, proposalId: string) {
    const row = await ctx.proposals.get(proposalId);
    if (!row) return ephemeral(channel, user, 'This change no longer exists.');
    if (!mayUndo(row, ctx.policy, user)) {
      await ctx.proposals.log(
        entry(
          row,
          'denied',
          `slack:${user}`,
          `unauthorized: ${user} is neither the approver nor an ops admin; tried to undo`,
        ),
      );
      return ephemeral(
        channel,
        user,
        'Only the person who approved this change or a Scout ops admin can undo it. Your attempt was logged.',
      );
    }
    if (row.status !== 'applied' || row.dryRun)
      return ephemeral(
        channel,
        user,
        `Only a change written to the CRM can be undone; this one is ${row.status}.`,
      );
    const change = await ctx.undo.store.appliedChangeOf(row.id);
    const cli = change === null ? '`scout undo --run`' : `\`scout undo --change ${change}\``;
    if (!undoWindowOpen(row.decidedAt, { hours: ctx.windowHours, now: ctx.clock() })) {
      await refresh(row);
      return windowClosed(channel, user, cli, 'the approval');
    }
    if (change === null)
      return ephemeral(channel, user, 'Scout found no record of this write to undo.');
    await undoOne(user, channel, change, 'the approval', (after) => refresh(row, after));
  }

  /**
   * Issue 18: Undo on a write notice, for a change Scout made without a person. Nobody
   * approved it, so the deal's owner the notice went to stands in for the approver.
   */
  async function undoFromNotice(user: string, channel: string | undefined, changeId: number) {
    const notice = (await ctx.notices?.ofChange(changeId)) ?? null;
    const row = notice ? await ctx.undo.store.change(changeId) : null;
    if (!ctx.notices || !notice || !row)
      return ephemeral(channel, user, 'Scout found no record of this write to undo.');
    if (notice.ownerSlackId !== user && !ctx.policy.opsAdmins.includes(user)) {
      await ctx.undo.store.log([
        {
          runId: row.runId,
          object: row.object,
          recordId: row.recordId,
          field: row.field,
          action: 'denied',
          reason: `unauthorized: ${user} is neither the deal's owner nor an ops admin; tried to undo change #${row.id}`,
          previousValue: row.previousValue,
          newValue: row.newValue,
          actor: `slack:${user}`,
          dryRun: false,
        },
      ]);
      return ephemeral(
        channel,
        user,
        "Only the deal's owner or a Scout ops admin can undo this change. Your attempt was logged.",
      );
    }
    if (!undoWindowOpen(row.createdAt, { hours: ctx.windowHours, now: ctx.clock() }))
      return windowClosed(channel, user, `\`scout undo --change ${row.id}\``, 'the write');
    const reads = { ...ctx, store: ctx.notices };
    await undoOne(user, channel, row.id, 'Scout wrote it', () => redrawWriteNotice(reads, notice));
  }

  async function onUndo(user: string, channel: string | undefined, value: string | undefined) {
    const card = proposalButton.safeParse(value);
    if (card.success) return undoFromCard(user, channel, card.data.p);
    const write = changeButton.safeParse(value);
    if (write.success) return undoFromNotice(user, channel, write.data.c);
  }

  app.action<bolt.BlockButtonAction>({ action_id: ACTION_UNDO }, async ({ ack, body, action }) => {
    await ack();
    ctx.background.run('undo', () => onUndo(body.user.id, body.channel?.id, action.value));
  });
}
