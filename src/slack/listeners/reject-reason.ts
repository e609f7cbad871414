import type * as bolt from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { ProposalRow } from '../../domain/proposal.js';
import type { Logger } from '../../logger.js';
import {
  type DecideDeps,
  giveRejectReason,
  logDenied,
  mayDecideNow,
  type ReasonResult,
} from '../../services/decide-proposal.js';
import type { ProposalStore } from '../../services/ports/proposal-store.js';
import type { Background } from '../background.js';
import {
  ACTION_REJECT_REASON,
  OTHER_ACTION,
  OTHER_BLOCK,
  REJECT_OTHER_MODAL,
  rejectOtherModal,
} from '../blocks/reject-reason.js';
import { ephemeralOf } from '../ephemeral.js';
import { reasonChoice } from './button-values.js';

export interface RejectReasonDeps {
  readonly decideDeps: DecideDeps;
  readonly proposals: ProposalStore;
  readonly client: WebClient;
  readonly background: Background;
  /** Shows a card as its proposal now stands. */
  readonly refreshCard: (row: ProposalRow) => Promise<void>;
  readonly logger: Logger;
}

/**
 * docs/guarantees.md#g24: the "Why? (optional)" menu on a rejected card, and the form for "other".
 * Reject stays one click; a reason comes after it, from whoever may decide on the card.
 */
export function registerRejectReason(app: bolt.App, deps: RejectReasonDeps): void {
  const ephemeral = ephemeralOf(deps.client);

  /** After a reason for a rejection was offered: the card shows it, or the person learns why not. */
  const afterReason = (result: ReasonResult, user: string, channel: string | undefined) =>
    deps.background.run('after-reject-reason', async () => {
      switch (result.kind) {
        case 'saved':
          return deps.refreshCard(result.row);
        case 'unauthorized':
          return ephemeral(
            channel,
            user,
            'Only the deal owner or a configured approver can give the reason. Your attempt was logged.',
          );
        case 'already':
          return ephemeral(channel, user, 'A reason for this rejection is already recorded.');
        case 'invalid':
          return ephemeral(channel, user, `That reason was not accepted: ${result.reason}`);
        case 'not_found':
          return ephemeral(channel, user, 'This proposal no longer exists.');
        case 'needs_lookup':
          return;
      }
    });

  /**
   * Before the ack only Scout's database is asked; a reason whose giver must be looked up in
   * the CRM or Slack is recorded right after Slack is answered, told in `channel`.
   */
  const giveReason = async (
    ack: () => Promise<void>,
    input: Parameters<typeof giveRejectReason>[1],
    channel: (row: ProposalRow) => string | undefined,
  ): Promise<ReasonResult | null> => {
    const result = await giveRejectReason(deps.decideDeps, input, { lookups: false });
    if (result.kind !== 'needs_lookup') return result;
    await ack();
    deps.background.run('reject-reason-after-lookup', async () =>
      afterReason(
        await giveRejectReason(deps.decideDeps, input),
        input.userId,
        channel(result.row),
      ),
    );
    return null;
  };

  app.action<bolt.BlockStaticSelectAction>(
    { action_id: ACTION_REJECT_REASON },
    async ({ ack, body, action }) => {
      const parsed = reasonChoice.safeParse(action.selected_option?.value);
      if (!parsed.success || parsed.data.r === undefined) {
        await ack();
        return;
      }
      if (parsed.data.r === 'other') {
        await ack();
        deps.background.run('open-reason-modal', () => openReasonModal(body, parsed.data.p));
        return;
      }
      const input = { proposalId: parsed.data.p, userId: body.user.id, reason: parsed.data.r };
      const result = await giveReason(ack, input, () => body.channel?.id);
      if (!result) return;
      await ack();
      afterReason(result, body.user.id, body.channel?.id);
    },
  );

  /** "other": authorise first, then ask for the words while the trigger id is valid. */
  async function openReasonModal(
    body: bolt.BlockAction<bolt.StaticSelectAction>,
    proposalId: string,
  ): Promise<void> {
    const row = await deps.proposals.get(proposalId);
    if (!row) return afterReason({ kind: 'not_found' }, body.user.id, body.channel?.id);
    if (!(await mayDecideNow(deps.decideDeps, row, body.user.id))) {
      await logDenied(deps.decideDeps, row, body.user.id, 'give a reason for a rejection');
      return afterReason({ kind: 'unauthorized', row }, body.user.id, body.channel?.id);
    }
    if (row.status !== 'rejected' || row.rejectReason !== null)
      return afterReason({ kind: 'already', row }, body.user.id, body.channel?.id);
    try {
      await deps.client.views.open({ trigger_id: body.trigger_id, view: rejectOtherModal(row.id) });
    } catch (error) {
      deps.logger.warn({ err: (error as Error).message, proposal_id: row.id }, 'views.open failed');
      await ephemeral(
        body.channel?.id,
        body.user.id,
        'Slack did not open the form in time. Choose again.',
      );
    }
  }

  app.view(REJECT_OTHER_MODAL, async ({ ack, body, view }) => {
    const parsed = reasonChoice.safeParse(view.private_metadata);
    const typed = (
      view.state.values as unknown as Record<string, Record<string, { value?: unknown }>>
    )[OTHER_BLOCK]?.[OTHER_ACTION]?.value;
    if (!parsed.success) {
      await ack({
        response_action: 'errors',
        errors: { [OTHER_BLOCK]: 'This form is no longer valid; choose the reason again.' },
      });
      return;
    }
    const input = {
      proposalId: parsed.data.p,
      userId: body.user.id,
      reason: 'other',
      note: typeof typed === 'string' ? typed : null,
    };
    // The form closes when the giver must be looked up; a refusal then comes in the card's channel.
    const result = await giveReason(
      () => ack(),
      input,
      (row) => row.slackChannel ?? undefined,
    );
    if (!result) return;
    if (result.kind === 'invalid' || result.kind === 'unauthorized') {
      await ack({
        response_action: 'errors',
        errors: {
          [OTHER_BLOCK]:
            result.kind === 'invalid'
              ? result.reason
              : 'Only the deal owner or a configured approver can give the reason.',
        },
      });
      return;
    }
    await ack();
    afterReason(result, body.user.id, undefined);
  });
}
