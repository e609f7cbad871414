import type { ProposalRow } from '../../domain/proposal.js';
import { type DecisionResult, decideProposal } from '../../services/decide-proposal.js';
import type { ListenerContext } from './context.js';

/**
 * A repeat click on a decided card (double clicks, Slack's retries) redraws it only when it
 * was last drawn at an older version, and only once however many clicks pile up: the
 * redraw is a job per version (redraw-card.ts), handed to the queue. A card the row read
 * at the click shows drawn at this version asks for nothing, not even a job.
 */
async function redrawIfBehind(ctx: ListenerContext, row: ProposalRow): Promise<void> {
  if ((row.cardVersion ?? 0) >= row.version) return;
  await ctx.deps.jobs.redrawCard(row.id, row.version);
}

/** What follows a decision, off the request path: the card, the write, the refusal. */
export function afterDecision(
  ctx: ListenerContext,
  result: DecisionResult,
  user: string,
  channel: string | undefined,
): void {
  const { ephemeral } = ctx;
  ctx.background.run('after-decision', async () => {
    switch (result.kind) {
      case 'not_found':
        return ephemeral(channel, user, 'This proposal no longer exists.');
      case 'unauthorized':
        return ephemeral(
          channel,
          user,
          'Only the deal owner or a configured approver can decide on this card. Your attempt was logged.',
        );
      case 'already':
        await redrawIfBehind(ctx, result.row);
        if (!(await ctx.firstInAMinute(`${user}/${result.row.id}`))) return;
        return ephemeral(
          channel,
          user,
          `Already decided: this proposal is ${result.row.status}${result.row.decidedBy ? ` (by <@${result.row.decidedBy}>)` : ''}.`,
        );
      case 'expired':
        await redrawIfBehind(ctx, result.row);
        if (!(await ctx.firstInAMinute(`${user}/${result.row.id}`))) return;
        return ephemeral(
          channel,
          user,
          'This proposal expired before a decision; nothing was written.',
        );
      case 'needs_lookup':
        return;
      case 'invalid':
        return ephemeral(channel, user, `That value was not accepted: ${result.reason}`);
      case 'decided': {
        // Claimed like a repeat click's redraw: whichever comes first draws this version once.
        await redrawIfBehind(ctx, result.row);
        if (result.row.status !== 'rejected') ctx.deps.jobs.kick();
        ctx.refreshHomes(user, result.row.ownerSlackId);
      }
    }
  });
}

/**
 * A decision that needed the CRM or Slack (`needs_lookup`), taken after Slack was answered;
 * its outcome, a refusal included, reaches the person in `channel`.
 */
export function decideAfterLookup(
  ctx: ListenerContext,
  input: Parameters<typeof decideProposal>[1],
  channel: string | undefined,
): void {
  ctx.background.run('decide-after-lookup', async () =>
    afterDecision(ctx, await decideProposal(ctx.decideDeps, input), input.userId, channel),
  );
}
