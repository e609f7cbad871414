import type * as bolt from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { DISMISSED } from '../../domain/rejection-memory.js';
import type { OfferRow } from '../../domain/suggestion-offer.js';
import type { Logger } from '../../logger.js';
import { authorisingNeedsLookup, mayDecideNow } from '../../services/decide-proposal.js';
import { viewOffers } from '../../services/offer-view.js';
import type { Notifier } from '../../services/ports/notifier.js';
import type { SuggestionStore } from '../../services/ports/suggestion-store.js';
import { logOf, type PromoteDeps, promoteSuggestion } from '../../services/promote-suggestion.js';
import type { GroupMembership } from '../approver-groups.js';
import type { Background } from '../background.js';
import {
  ACTION_DISMISS,
  ACTION_PROMOTE,
  ACTION_PROMOTE_ALL,
} from '../blocks/suggestions-message.js';
import { ephemeralOf } from '../ephemeral.js';
import { slackOwnerOf } from '../notifier.js';
import { offerButton, useAllButton } from './button-values.js';

export const PROMOTION_ACTIONS = [ACTION_PROMOTE, ACTION_PROMOTE_ALL, ACTION_DISMISS];

export interface PromotionButtonDeps extends PromoteDeps {
  readonly suggestions: SuggestionStore;
  readonly client: WebClient;
  readonly notifier: Notifier;
  readonly background: Background;
  readonly inApproverGroup: GroupMembership;
  readonly clock: () => Date;
  readonly logger: Logger;
  /** After an offer changed: the Home tabs to refresh. */
  readonly afterChange?: (user: string, offer: OfferRow) => void;
}

type Click = bolt.SlackActionMiddlewareArgs<bolt.BlockButtonAction> & bolt.AllMiddlewareArgs;

/**
 * docs/guarantees.md#g23: "Use as ‹label›", "Use all" and "Not useful" on a deal's suggestions message.
 * Authorised like an approval (G17: the deal's owner or an approver, identity from the
 * signed payload); each offer leaves `open` once, by a conditional update committed before
 * Slack is answered; the CRM write runs afterwards under the deal's lock.
 */
export function registerPromotionButtons(app: bolt.App, deps: PromotionButtonDeps): void {
  const ephemeral = ephemeralOf(deps.client);

  /** Cards posted while the owner was unknown ask Slack at the click, as approvals do. */
  const authDeps = {
    policy: deps.policy,
    inApproverGroup: deps.inApproverGroup,
    approverGroupsLoaded: deps.inApproverGroup.loaded,
    resolveOwner: async (r: OfferRow) =>
      slackOwnerOf(
        deps.client,
        {
          owner: (await viewOffers(deps.crm, deps.policy, [r])).owner,
          row: { recordId: r.recordId },
        },
        deps.logger,
      ),
  };

  const refuse = async (
    row: OfferRow,
    user: string,
    channel: string | undefined,
    tried: string,
  ) => {
    await deps.suggestions.log({
      ...logOf(
        row,
        'denied',
        `unauthorized: ${user} is neither the deal owner nor an approver; tried to ${tried}`,
        null,
      ),
      actor: `slack:${user}`,
    });
    deps.background.run('refuse-promotion', () =>
      ephemeral(
        channel,
        user,
        'Only the deal owner or a configured approver can use these suggestions. Your attempt was logged.',
      ),
    );
  };

  /** Promotes claimed offers one after another, then shows the message as it now is. */
  const promote = (claimed: readonly OfferRow[], user: string, channel: string | undefined) =>
    deps.background.run('promote-suggestions', async () => {
      for (const offer of claimed) {
        const done = await promoteSuggestion(deps, offer.id);
        if (done?.status === 'filled')
          await ephemeral(
            channel,
            user,
            `Nothing was written to ${done.field}: ${done.outcome ?? 'it is no longer empty'}.`,
          );
      }
      const first = claimed[0];
      if (first) {
        await deps.notifier.refreshSuggestions?.(first.runId, first.recordId);
        deps.afterChange?.(user, first);
      }
    });

  const already = (row: OfferRow, user: string, channel: string | undefined) =>
    deps.background.run('offer-already-decided', () =>
      ephemeral(
        channel,
        user,
        `Already decided: this suggestion is ${row.status}${row.decidedBy ? ` (by <@${row.decidedBy}>)` : ''}.`,
      ),
    );

  /**
   * `work` (which commits and returns what follows) for a person who may decide, else a
   * refusal. Before the ack when who may decide is known from Scout's database; when it
   * needs the CRM or Slack, Slack is answered first and all of it runs right after.
   */
  const asAuthorised = async (
    ack: () => Promise<void>,
    click: { row: OfferRow; user: string; channel: string | undefined; tried: string },
    work: () => Promise<() => Promise<void> | void>,
  ): Promise<void> => {
    const { row, user, channel, tried } = click;
    const attempt = async (): Promise<() => Promise<void> | void> => {
      if (await mayDecideNow(authDeps, row, user)) return work();
      await refuse(row, user, channel, tried);
      return () => {};
    };
    if (authorisingNeedsLookup(authDeps, row, user)) {
      await ack();
      deps.background.run('offer-after-lookup', async () => (await attempt())());
      return;
    }
    const then = await attempt();
    await ack();
    await then();
  };

  /** A click on one suggestion's button: parsed, then `decide` as {@link asAuthorised} says. */
  const onOffer =
    (
      tried: string,
      decide: (
        row: OfferRow,
        version: number,
        user: string,
        channel?: string,
      ) => Promise<() => Promise<void> | void>,
    ) =>
    async ({ ack, body, action }: Click) => {
      const parsed = offerButton.safeParse(action.value);
      const row = parsed.success ? await deps.suggestions.get(parsed.data.s) : null;
      if (!parsed.success || !row) {
        await ack();
        return;
      }
      const user = body.user.id;
      const channel = body.channel?.id;
      await asAuthorised(ack, { row, user, channel, tried }, () =>
        decide(row, parsed.data.v, user, channel),
      );
    };

  app.action<bolt.BlockButtonAction>(
    { action_id: ACTION_PROMOTE },
    onOffer('use a suggestion', async (row, version, user, channel) => {
      const claimed = await deps.suggestions.claim(row.id, version, user, deps.clock());
      if (claimed) return () => promote([claimed], user, channel);
      return async () => already((await deps.suggestions.get(row.id)) ?? row, user, channel);
    }),
  );

  app.action<bolt.BlockButtonAction>(
    { action_id: ACTION_PROMOTE_ALL },
    async ({ ack, body, action }: Click) => {
      const parsed = useAllButton.safeParse(action.value);
      const offers = parsed.success
        ? await deps.suggestions.ofDeal(parsed.data.r, parsed.data.d)
        : [];
      const first = offers[0];
      if (!first) {
        await ack();
        return;
      }
      const user = body.user.id;
      const channel = body.channel?.id;
      const click = { row: first, user, channel, tried: 'use all suggestions' };
      await asAuthorised(ack, click, async () => {
        const claimed: OfferRow[] = [];
        for (const o of offers.filter((x) => x.status === 'open')) {
          const c = await deps.suggestions.claim(o.id, o.version, user, deps.clock());
          if (c) claimed.push(c);
        }
        return () => {
          if (claimed.length > 0) promote(claimed, user, channel);
        };
      });
    },
  );

  app.action<bolt.BlockButtonAction>(
    { action_id: ACTION_DISMISS },
    onOffer('dismiss a suggestion', async (row, version, user, channel) => {
      // Logged `rejected` on the rep-owned field: later runs do not suggest it again (G24).
      const dismissed = await deps.suggestions.dismiss(row.id, version, user, deps.clock(), (r) =>
        logOf(r, 'rejected', DISMISSED, null),
      );
      if (!dismissed)
        return async () => already((await deps.suggestions.get(row.id)) ?? row, user, channel);
      return () =>
        deps.background.run('refresh-suggestions', async () => {
          await deps.notifier.refreshSuggestions?.(row.runId, row.recordId);
          deps.afterChange?.(user, row);
        });
    }),
  );
}
