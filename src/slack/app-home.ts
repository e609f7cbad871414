import type { WebClient } from '@slack/web-api';
import type { HomeStore } from '../db/home-store.js';
import type { Policy } from '../domain/policy.js';
import type { OfferRow } from '../domain/suggestion-offer.js';
import type { Logger } from '../logger.js';
import { viewOffers } from '../services/offer-view.js';
import type { CrmReader } from '../services/ports/crm.js';
import type { SuggestionsMessage } from '../services/ports/notifier.js';
import { viewProposals } from '../services/proposal-view.js';
import { appHomeView } from './blocks/app-home.js';

export interface HomeDeps {
  readonly home: HomeStore;
  readonly crm: CrmReader;
  readonly policy: Policy;
  readonly client: WebClient;
  readonly inApproverGroup: (slackUserId: string) => Promise<boolean>;
  readonly logger: Logger;
}

/** Deals whose suggestions the Home tab reads (each costs CRM reads). */
const MAX_SUGGESTION_DEALS = 10;
const RECENT_RUNS = 5;

/**
 * Publishes a person's App Home tab (`views.publish`): opened, and again after each of
 * their decisions, so nobody scrolls DMs to find what waits. Everything shown comes from
 * Scout's database and read-only CRM reads; the buttons are the thread's own.
 */
export function createHomePublisher(deps: HomeDeps) {
  const isLead = async (user: string) =>
    deps.policy.approvers.includes(user) ||
    deps.policy.opsAdmins.includes(user) ||
    (deps.policy.approverGroups.length > 0 && (await deps.inApproverGroup(user)));

  async function suggestionsOf(user: string): Promise<SuggestionsMessage[]> {
    const groups = new Map<string, OfferRow[]>();
    for (const o of await deps.home.openOffersFor(user)) {
      const key = `${o.runId}\n${o.recordId}`;
      groups.set(key, [...(groups.get(key) ?? []), o]);
    }
    const shown = [...groups.values()].slice(0, MAX_SUGGESTION_DEALS);
    return Promise.all(
      shown.map(async (rows) => (await viewOffers(deps.crm, deps.policy, rows)).message),
    );
  }

  return {
    async publish(user: string): Promise<void> {
      const pending = await deps.home.pendingFor(user);
      // Newest first, each deal's proposals together (in the order its newest arrived).
      const order = [...new Set(pending.map((p) => p.recordId))];
      const grouped = order.flatMap((d) => pending.filter((p) => p.recordId === d));
      const [views, suggestions, lead] = await Promise.all([
        viewProposals(deps.crm, deps.policy, grouped),
        suggestionsOf(user),
        isLead(user),
      ]);
      const team = lead
        ? {
            byRep: await deps.home.pendingByOwner(),
            runs: await deps.home.recentRuns(RECENT_RUNS),
          }
        : undefined;
      const view = appHomeView({
        proposals: views.map((v) => v.card),
        suggestions,
        ...(team ? { team } : {}),
      });
      await deps.client.views.publish({ user_id: user, view });
    },
  };
}
