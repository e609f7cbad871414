import type { DecisionResult } from '../../services/decide-proposal.js';
import type { ListenerContext } from './context.js';

/** What follows a decision, off the request path: the card, the write, the refusal. */
export function afterDecision(
  ctx: ListenerContext,
  result: DecisionResult,
  user: string,
  channel: string | undefined,
): void {
  const { ephemeral, notifier, view } = ctx;
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
        await notifier.refreshCard(await view(result.row));
        return ephemeral(
          channel,
          user,
          `Already decided: this proposal is ${result.row.status}${result.row.decidedBy ? ` (by <@${result.row.decidedBy}>)` : ''}.`,
        );
      case 'expired':
        await notifier.refreshCard(await view(result.row));
        return ephemeral(
          channel,
          user,
          'This proposal expired before a decision; nothing was written.',
        );
      case 'invalid':
        return ephemeral(channel, user, `That value was not accepted: ${result.reason}`);
      case 'decided': {
        await notifier.refreshCard(await view(result.row));
        if (result.row.status !== 'rejected') ctx.deps.applies.kick();
        ctx.refreshHomes(user, result.row.ownerSlackId);
      }
    }
  });
}
