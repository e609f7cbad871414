import type * as bolt from '@slack/bolt';
import { decideProposal } from '../../services/decide-proposal.js';
import { EDIT_MODAL, submittedValue, VALUE_BLOCK } from '../blocks/edit-modal.js';
import { afterDecision, decideAfterLookup } from './after-decision.js';
import { proposalButton } from './button-values.js';
import type { ListenerContext } from './context.js';

/** A refusal shown on the form's value field, so the person can correct it in place. */
const fieldError = (text: string) =>
  ({ response_action: 'errors', errors: { [VALUE_BLOCK]: text } }) as const;

/**
 * The Edit… modal's submission: the edited value is decided like an approval, and any
 * refusal is shown on the form instead of closing it.
 */
export function registerEditModal(app: bolt.App, ctx: ListenerContext): void {
  app.view(EDIT_MODAL, async ({ ack, body, view }) => {
    const parsed = proposalButton.safeParse(view.private_metadata);
    if (!parsed.success) {
      await ack(fieldError('This form is no longer valid; open the card again.'));
      return;
    }
    const value = submittedValue(
      view.state.values as unknown as Record<string, Record<string, Record<string, unknown>>>,
    );
    if (value === null || value.trim() === '') {
      await ack(fieldError('Enter a value: Scout never clears a field.'));
      return;
    }
    const input = {
      proposalId: parsed.data.p,
      version: parsed.data.v,
      userId: body.user.id,
      decision: { kind: 'edit', value },
    } as const;
    // Only Scout's database before the ack; the CRM's definitions come from the catalog
    // the form's opening read.
    const result = await decideProposal(ctx.decideDeps, input, { lookups: false });
    if (result.kind === 'needs_lookup') {
      // This process has not read them (it did not open the form, or just started): the
      // form closes and the answer, a refusal included, comes in the card's channel.
      await ack();
      decideAfterLookup(ctx, input, result.row.slackChannel ?? undefined);
      return;
    }
    if (result.kind === 'invalid') {
      await ack(fieldError(result.reason.slice(0, 150)));
      return;
    }
    if (result.kind === 'unauthorized') {
      await ack(fieldError('Only the deal owner or a configured approver can decide.'));
      return;
    }
    if (result.kind !== 'decided') {
      await ack(
        fieldError(
          `This proposal was already ${result.kind === 'already' ? result.row.status : result.kind}.`,
        ),
      );
      return;
    }
    await ack();
    afterDecision(ctx, result, body.user.id, undefined);
  });
}
