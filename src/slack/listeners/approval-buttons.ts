import type * as bolt from '@slack/bolt';
import { valueRules } from '../../domain/validate-value.js';
import {
  type Decision,
  decideProposal,
  logDenied,
  mayDecideNow,
} from '../../services/decide-proposal.js';
import { ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT } from '../blocks/approval-card.js';
import { editModal } from '../blocks/edit-modal.js';
import { afterDecision, decideAfterLookup } from './after-decision.js';
import { proposalButton } from './button-values.js';
import type { ListenerContext } from './context.js';

type Click = bolt.SlackActionMiddlewareArgs<bolt.BlockButtonAction> & bolt.AllMiddlewareArgs;

/**
 * Approve, Reject and Edit… on an approval card. Approve and Reject commit the decision
 * in one conditional update before Slack is answered; Edit… opens the modal whose
 * submission decides (edit-modal.ts).
 */
export function registerApprovalButtons(app: bolt.App, ctx: ListenerContext): void {
  const onButton =
    (decision: Decision['kind']) =>
    async ({ ack, body, action }: Click) => {
      const parsed = proposalButton.safeParse(action.value);
      if (!parsed.success) {
        await ack();
        return;
      }
      const input = {
        proposalId: parsed.data.p,
        version: parsed.data.v,
        userId: body.user.id,
        decision: { kind: decision === 'reject' ? 'reject' : 'approve' } as const,
      };
      // Only Scout's database before the ack: one read and one transaction.
      const result = await decideProposal(ctx.decideDeps, input, { lookups: false });
      await ack();
      if (result.kind !== 'needs_lookup') {
        afterDecision(ctx, result, body.user.id, body.channel?.id);
        return;
      }
      // Who may decide needs the CRM or Slack (an owner unknown when the card was made, or
      // approver groups not read yet in this process): looked up after the ack.
      decideAfterLookup(ctx, input, body.channel?.id);
    };
  app.action<bolt.BlockButtonAction>({ action_id: ACTION_APPROVE }, onButton('approve'));
  app.action<bolt.BlockButtonAction>({ action_id: ACTION_REJECT }, onButton('reject'));

  app.action<bolt.BlockButtonAction>({ action_id: ACTION_EDIT }, async ({ ack, body, action }) => {
    await ack();
    ctx.background.run('open-edit-modal', () => openEditModal(ctx, body, action.value));
  });
}

/** The Edit… button: authorise, then open the modal while the trigger id is still valid (3 s). */
async function openEditModal(
  ctx: ListenerContext,
  body: bolt.BlockAction<bolt.ButtonAction>,
  value: string | undefined,
): Promise<void> {
  const { deps, decideDeps } = ctx;
  const parsed = proposalButton.safeParse(value);
  if (!parsed.success) return;
  const row = await deps.proposals.get(parsed.data.p);
  if (!row) return ctx.ephemeral(body.channel?.id, body.user.id, 'This proposal no longer exists.');
  if (!(await mayDecideNow(decideDeps, row, body.user.id))) {
    await logDenied(decideDeps, row, body.user.id, 'edit');
    afterDecision(ctx, { kind: 'unauthorized', row }, body.user.id, body.channel?.id);
    return;
  }
  if (row.status !== 'pending' || row.version !== parsed.data.v) {
    afterDecision(ctx, { kind: 'already', row }, body.user.id, body.channel?.id);
    return;
  }
  const [shown, { users }] = await Promise.all([ctx.view(row), decideDeps.catalog.get()]);
  const { options, maxLength, min, max, integer } = valueRules(
    shown.def ?? undefined,
    deps.policy.dealFields.get(row.field),
  );
  const opened = ctx.client.views.open({
    trigger_id: body.trigger_id,
    view: editModal({
      proposal: { id: row.id, version: row.version },
      dealName: shown.card.dealName,
      fieldLabel: shown.card.fieldLabel,
      fieldType: shown.card.fieldType,
      quote: shown.card.quote,
      ...(options ? { options } : {}),
      ...(maxLength ? { maxLength } : {}),
      ...(min !== undefined ? { min } : {}),
      ...(max !== undefined ? { max } : {}),
      ...(integer ? { integer } : {}),
      proposedValue: row.newValue,
      proposedSlackUser: users.find((u) => u.id === row.newValue)?.slackUserId ?? null,
    }),
  });
  try {
    await opened;
  } catch (error) {
    // Slack's trigger id lives 3 s; past that the modal cannot open, and the rep should know why.
    ctx.log.warn({ err: (error as Error).message, proposal_id: row.id }, 'views.open failed');
    await ctx.ephemeral(
      body.channel?.id,
      body.user.id,
      'Slack did not open the edit form in time. Press Edit… again.',
    );
  }
}
