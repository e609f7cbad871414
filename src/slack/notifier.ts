import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import pLimit from 'p-limit';
import { currencyOf, fieldLabel, fieldValueText } from '../domain/for-people.js';
import type { Policy } from '../domain/policy.js';
import type { ProposalRow } from '../domain/proposal.js';
import type { Logger } from '../logger.js';
import { viewOffers } from '../services/offer-view.js';
import type { CrmReader, CrmUser } from '../services/ports/crm.js';
import type { Notifier } from '../services/ports/notifier.js';
import type { ProposalStore } from '../services/ports/proposal-store.js';
import type { RunDigestReader } from '../services/ports/run-digest.js';
import type { SuggestionStore } from '../services/ports/suggestion-store.js';
import type { WriteNoticeStore } from '../services/ports/write-notice-store.js';
import { type ProposalView, viewProposal, viewProposals } from '../services/proposal-view.js';
import { type RunDigest, viewRunDigest } from '../services/run-digest-view.js';
import { approvalCard } from './blocks/approval-card.js';
import { fyiMessage } from './blocks/fyi-message.js';
import { runSummaryMessage } from './blocks/run-summary-message.js';
import { suggestionsMessage } from './blocks/suggestions-message.js';
import { safe, safeLines } from './blocks/text.js';
import { postWriteNotices } from './write-notice.js';

export interface NotifierDeps {
  readonly client: WebClient;
  readonly proposals: ProposalStore;
  readonly crm: CrmReader;
  readonly policy: Policy;
  readonly logger: Logger;
  /** Where run summaries go (docs/guarantees.md#g14). */
  readonly opsChannel?: string;
  /** Where cards go when the deal's owner cannot be found in Slack. */
  readonly approvalsChannel?: string;
  /** Slack allows about one message per second per channel; the client does not enforce it. */
  readonly minIntervalMs?: number;
  /** docs/guarantees.md#g23: suggestions offered for promotion; without it no suggestions are posted. */
  readonly suggestions?: SuggestionStore;
  /** Issue 18: the owner is told what Scout wrote without a person; without it no write notices are posted. */
  readonly writeNotices?: WriteNoticeStore;
  /** The run summary's deals and people; without it the summary leaves them out. */
  readonly runDigest?: RunDigestReader;
}

/** The deal owner's Slack user: the CRM's link, else a lookup by email; null if neither finds one. */
export async function slackOwnerOf(
  client: WebClient,
  view: { readonly owner: CrmUser | null; readonly row: { readonly recordId: string } },
  logger: Logger,
): Promise<string | null> {
  const owner = view.owner;
  let user = owner?.slackUserId ?? null;
  if (!user && owner?.email) {
    try {
      user = (await client.users.lookupByEmail({ email: owner.email })).user?.id ?? null;
    } catch (error) {
      logger.warn(
        { err: (error as Error).message, deal_id: view.row.recordId },
        'owner not found in Slack by email',
      );
    }
  }
  return user;
}

/** A deal's thread parent: what Scout asks about, or, where ops rehearse, whom a live run would ask. */
function threadParent(
  view: ProposalView,
  count: number,
  preview: boolean,
): { text: string; blocks: KnownBlock[] } {
  const dealName = safe(view.card.dealName, 500);
  const plural = count === 1 ? '' : 's';
  const changes = `${count} proposed change${plural}`;
  if (preview) {
    const who = view.owner?.name ? safe(view.owner.name, 200) : 'the deal owner';
    return {
      text: `[DRY RUN preview] Scout would ask ${who} about ${changes} for ${dealName}`,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `:construction: *DRY RUN preview* · in a live run Scout would ask *${who}* about *${changes}* for *${dealName}*. Nobody is asked now; the cards are in the thread.`,
          },
        },
      ],
    };
  }
  const dry = view.row.dryRun;
  return {
    text: `${dry ? '[DRY RUN] ' : ''}Scout has ${changes} for ${dealName}`,
    blocks: [
      {
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: `${dry ? ':construction: *DRY RUN* · ' : ''}Scout has *${count}* proposed change${plural} for *${dealName}*. Decide in the thread.`,
        },
      },
    ],
  };
}

/** Deals posted at once; a deal's own messages stay in order, each channel keeps its pace. */
const DEALS_AT_ONCE = 16;
/** Owners whose cards are posted at once: each is one DM kept busy at Slack's pace. */
const OWNERS_AT_ONCE = 64;

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}

export function createNotifier(deps: NotifierDeps): Notifier {
  const interval = deps.minIntervalMs ?? 1100;
  const queues = new Map<string, Promise<unknown>>();
  /**
   * Serialises posts per channel and spaces them out: the next starts `interval` after the
   * previous one was answered, so Slack never receives two closer than that.
   */
  const paced = <T>(channel: string, fn: () => Promise<T>): Promise<T> => {
    const previous = queues.get(channel) ?? Promise.resolve();
    const next = previous.then(fn, fn);
    const spaced = () => new Promise((r) => setTimeout(r, interval));
    queues.set(channel, next.then(spaced, spaced));
    return next;
  };

  const ownerOf = (view: ProposalView) => slackOwnerOf(deps.client, view, deps.logger);
  /** A dry run's messages are previews for ops unless the policy sends them to the owners. */
  const previewing = (dryRun: boolean) => dryRun && deps.policy.dryRunCards === 'ops';

  /** Where a card that replaced others was posted, for their "see the live card" link. */
  async function permalink(row: ProposalRow | null): Promise<string | null> {
    if (!row?.slackChannel || !row.slackTs) return null;
    try {
      const answer = await deps.client.chat.getPermalink({
        channel: row.slackChannel,
        message_ts: row.slackTs,
      });
      return answer.permalink ?? null;
    } catch (error) {
      deps.logger.warn({ err: (error as Error).message, proposal: row.id }, 'no permalink');
      return null;
    }
  }

  /** A card as it is drawn now: a superseded one with its link, a dry one as a preview where ops rehearse. */
  async function cardOf(view: ProposalView) {
    const row = view.row;
    const newer =
      row.status === 'superseded' && row.supersededBy
        ? await deps.proposals.get(row.supersededBy)
        : null;
    return approvalCard({
      ...view.card,
      ...(newer ? { superseded: { link: await permalink(newer), byLive: !newer.dryRun } } : {}),
      ...(previewing(row.dryRun) ? { preview: { ownerName: view.owner?.name ?? null } } : {}),
    });
  }

  /** After a card is posted, the cards it replaced (read once per run) point at it and lose their buttons. */
  async function redrawReplaced(replaced: readonly ProposalRow[] | undefined): Promise<void> {
    const drawn = (replaced ?? []).filter((r) => r.slackTs);
    for (const view of await viewProposals(deps.crm, deps.policy, drawn)) await refresh(view);
  }

  /**
   * A card posted decided (carried from its dry-run card) may have been applied while it was
   * being posted, before the apply could find it to update: drawn again if it moved on.
   */
  async function redrawDecidedMeanwhile(row: ProposalRow): Promise<void> {
    if (row.status === 'pending') return;
    const now = await deps.proposals.get(row.id);
    if (now && now.version !== row.version)
      await refresh(await viewProposal(deps.crm, deps.policy, now));
  }

  async function refresh(view: ProposalView): Promise<void> {
    const { slackChannel: channel, slackTs: ts } = view.row;
    if (!channel || !ts) return;
    await deps.client.chat.update({ channel, ts, ...(await cardOf(view)) });
    await deps.proposals.cardDrawn(view.row.id, view.row.version);
  }

  /**
   * Where a deal's messages go: its owner's DM (else the approvals channel), or, for a dry
   * run under `dry_run_cards: ops`, the ops channel as a preview (else the approvals channel).
   */
  async function channelFor(owner: string | null, dryRun: boolean): Promise<string | null> {
    if (previewing(dryRun)) return deps.opsChannel ?? deps.approvalsChannel ?? null;
    if (owner) {
      const dm = await dmWith(owner);
      if (dm) return dm;
    }
    return deps.approvalsChannel ?? null;
  }

  /**
   * A DM channel's id never changes for the bot and a user: opened once per owner, not per
   * deal (`conversations.open` is rate-limited per workspace). A failure is not kept.
   */
  const dms = new Map<string, Promise<string | null>>();
  function dmWith(owner: string): Promise<string | null> {
    let dm = dms.get(owner);
    if (!dm) {
      dm = deps.client.conversations.open({ users: owner }).then(
        (opened) => opened.channel?.id ?? null,
        (error: unknown) => {
          dms.delete(owner);
          throw error;
        },
      );
      dms.set(owner, dm);
    }
    return dm;
  }

  /** The deal's thread in this run: the parent message, posted by whichever comes first. */
  async function threadFor(
    runId: string,
    dealId: string,
    route: { readonly ownerSlackId: string | null; readonly dryRun: boolean },
    parent: () => { text: string; blocks: KnownBlock[] },
  ): Promise<{ channel: string; ts: string } | null> {
    const known = await deps.proposals.thread(runId, dealId);
    if (known) return known;
    const channel = await channelFor(route.ownerSlackId, route.dryRun);
    if (!channel) return null;
    const posted = await paced(channel, () =>
      deps.client.chat.postMessage({ channel, ...parent() }),
    );
    if (!posted.ts || !posted.channel) throw new Error('chat.postMessage returned no ts');
    await deps.proposals.saveThread(runId, dealId, posted.channel, posted.ts);
    return { channel: posted.channel, ts: posted.ts };
  }

  /** Deals (suggestions) or owners (cards) whose messages are being posted at once. */
  const dealSlots = pLimit(DEALS_AT_ONCE);
  const ownerSlots = pLimit(OWNERS_AT_ONCE);

  /** One deal's thread and its cards, in order; the channel's pace spaces them. */
  async function postDealCards(
    runId: string,
    views: readonly ProposalView[],
    rows: readonly ProposalRow[],
    replaced: ReadonlyMap<string, ProposalRow[]>,
  ): Promise<{ posted: number; unrouted: string | null }> {
    const first = views[0];
    if (!first) return { posted: 0, unrouted: null };
    const dealId = first.row.recordId;
    const ownerSlackId = await ownerOf(first);
    const count = rows.filter((r) => r.recordId === dealId).length;
    const dryRun = first.row.dryRun;
    const thread = await threadFor(runId, dealId, { ownerSlackId, dryRun }, () =>
      threadParent(first, count, previewing(dryRun)),
    );
    if (!thread) {
      for (const view of views) await redrawReplaced(replaced.get(view.row.id));
      return { posted: 0, unrouted: dealId };
    }
    const { channel, ts } = thread;
    let posted = 0;
    for (const view of views) {
      const row = view.row;
      const card = await cardOf(view);
      const reply = await paced(channel, () =>
        deps.client.chat.postMessage({ channel, thread_ts: ts, ...card }),
      );
      if (reply.ts) {
        await deps.proposals.setCard(row.id, { channel, ts: reply.ts, ownerSlackId });
        await deps.proposals.cardDrawn(row.id, row.version);
        await redrawDecidedMeanwhile(row);
        await redrawReplaced(replaced.get(row.id));
      }
      posted += 1;
    }
    return { posted, unrouted: null };
  }

  return {
    async postSuggestions(runId) {
      const store = deps.suggestions;
      if (!store) return { posted: 0, unrouted: [] };
      const rows = await store.offersToPost(runId);
      const byDeal = groupBy(rows, (r) => r.recordId);
      const postDeal = async (dealId: string, offers: typeof rows): Promise<boolean> => {
        const view = await viewOffers(deps.crm, deps.policy, offers);
        const ownerSlackId = await slackOwnerOf(
          deps.client,
          { owner: view.owner, row: { recordId: dealId } },
          deps.logger,
        );
        const { dealName, dryRun } = view.message;
        const thread = await threadFor(runId, dealId, { ownerSlackId, dryRun }, () => ({
          text: `${dryRun ? '[DRY RUN] ' : ''}Scout has news for ${safe(dealName, 500)}`,
          blocks: [
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: `${dryRun ? ':construction: *DRY RUN* · ' : ''}Scout has *${offers.length}* suggestion${offers.length === 1 ? '' : 's'} for *${safe(dealName, 500)}*. See the thread.`,
              },
            },
          ],
        }));
        if (!thread) return false;
        const reply = await paced(thread.channel, () =>
          deps.client.chat.postMessage({
            channel: thread.channel,
            thread_ts: thread.ts,
            ...suggestionsMessage({ ...view.message, preview: previewing(dryRun) }),
          }),
        );
        if (reply.ts)
          await store.setMessage(runId, dealId, {
            channel: thread.channel,
            ts: reply.ts,
            ownerSlackId,
          });
        return true;
      };
      const deals = [...byDeal];
      const done = await Promise.all(
        deals.map(([dealId, offers]) => dealSlots(() => postDeal(dealId, offers))),
      );
      const posted = done.filter(Boolean).length;
      const unrouted = deals.flatMap(([dealId], n) => (done[n] ? [] : [dealId]));
      if (unrouted.length > 0)
        deps.logger.warn(
          { deals: unrouted },
          'no Slack owner or approvals channel for these deals; their suggestions were not posted',
        );
      return { posted, unrouted };
    },

    async postNotices(runId) {
      if (!deps.suggestions) return 0;
      const claimed = await deps.suggestions.claimNotices(runId);
      let posted = 0;
      for (const [dealId, notices] of claimed) {
        const [page, defs, users, notes] = await Promise.all([
          deps.crm.pageDeals({ cursor: null, limit: 1, ids: [dealId] }),
          deps.crm.listPropertyDefs(),
          deps.crm.listUsers(),
          deps.crm.notesForDeals([dealId]),
        ]);
        const deal = page.deals.find((d) => d.id === dealId) ?? null;
        const owner = users.find((u) => u.id === deal?.ownerId) ?? null;
        const ownerSlackId = await slackOwnerOf(
          deps.client,
          { owner, row: { recordId: dealId } },
          deps.logger,
        );
        const dealName = deal?.name ?? dealId;
        const dryRun = notices.some((n) => n.dryRun);
        const thread = await threadFor(runId, dealId, { ownerSlackId, dryRun }, () => ({
          text: `${dryRun ? '[DRY RUN] ' : ''}Scout has news for ${safe(dealName, 500)}`,
          blocks: [
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: `${dryRun ? ':construction: *DRY RUN* · ' : ''}Scout read something about *${safe(dealName, 500)}*. See the thread.`,
              },
            },
          ],
        }));
        if (!thread) continue;
        const message = fyiMessage({
          dealName,
          dryRun,
          items: notices.map((n) => {
            const note = notes.get(dealId)?.find((x) => x.id === n.sourceNoteId) ?? null;
            return {
              label: fieldLabel(
                n.field,
                deps.policy.dealFields.get(n.field)?.label,
                defs.find((d) => d.name === n.field),
              ),
              value:
                n.newValue === null
                  ? ''
                  : fieldValueText(n.field, n.newValue, {
                      defs: new Map(defs.map((d) => [d.name, d])),
                      users: new Map(users.map((u) => [u.id, u.name])),
                      ...currencyOf(deal, deps.crm.currency),
                    }),
              quote: n.quote,
              noteType: note?.type ?? null,
              noteDate: note?.createdAt ?? null,
            };
          }),
        });
        await paced(thread.channel, () =>
          deps.client.chat.postMessage({
            channel: thread.channel,
            thread_ts: thread.ts,
            ...message,
          }),
        );
        posted += 1;
      }
      return posted;
    },

    async postWriteNotices(runId) {
      if (!deps.writeNotices) return 0;
      return postWriteNotices(
        {
          ...deps,
          store: deps.writeNotices,
          ownerOf: (dealId, owner) =>
            slackOwnerOf(deps.client, { owner, row: { recordId: dealId } }, deps.logger),
          threadFor,
          paced,
        },
        runId,
      );
    },

    async refreshSuggestions(runId, dealId) {
      if (!deps.suggestions) return;
      const offers = await deps.suggestions.ofDeal(runId, dealId);
      const where = offers.find((o) => o.slackChannel && o.slackTs);
      if (!where?.slackChannel || !where.slackTs) return;
      const view = await viewOffers(deps.crm, deps.policy, offers);
      await deps.client.chat.update({
        channel: where.slackChannel,
        ts: where.slackTs,
        ...suggestionsMessage({ ...view.message, preview: previewing(view.message.dryRun) }),
      });
    },

    async postProposals(runId) {
      const rows = await deps.proposals.currentOfRun(runId);
      const views = await viewProposals(
        deps.crm,
        deps.policy,
        rows.filter((r) => !r.slackTs),
      );
      const replaced = groupBy(
        await deps.proposals.replacedBy(views.map((v) => v.row.id)),
        (r) => r.supersededBy ?? '',
      );
      // Each owner's deals in turn, owners side by side: every DM keeps its pace (see `paced`)
      // and none waits behind another's.
      const byOwner = groupBy([...groupBy(views, (v) => v.row.recordId).values()], (deal) =>
        String(deal[0]?.owner?.id ?? deal[0]?.row.recordId),
      );
      const results = (
        await Promise.all(
          [...byOwner.values()].map((deals) =>
            ownerSlots(async () => {
              const done = [];
              for (const deal of deals) done.push(await postDealCards(runId, deal, rows, replaced));
              return done;
            }),
          ),
        )
      ).flat();
      const unrouted = results.flatMap((r) => (r.unrouted ? [r.unrouted] : []));
      if (unrouted.length > 0)
        deps.logger.warn(
          { deals: unrouted },
          'no Slack owner or approvals channel for these deals; their cards were not posted',
        );
      return { posted: results.reduce((n, r) => n + r.posted, 0), unrouted };
    },

    refreshCard: refresh,

    async postRunSummary(summary) {
      if (!deps.opsChannel) return;
      const channel = deps.opsChannel;
      let digest: RunDigest | null = null;
      try {
        if (deps.runDigest)
          digest = await viewRunDigest(deps.runDigest, deps.crm, deps.policy, summary);
      } catch (error) {
        // The summary is loud whatever happens (docs/guarantees.md#g14): it goes out without names.
        deps.logger.warn(
          { err: (error as Error).message, run_id: summary.run_id },
          "reading the run summary's deals and people failed; posting it without them",
        );
      }
      await paced(channel, () =>
        deps.client.chat.postMessage({ channel, ...runSummaryMessage(summary, digest) }),
      );
    },

    async postOpsMessage(message) {
      if (!deps.opsChannel) return false;
      const channel = deps.opsChannel;
      await paced(channel, () => deps.client.chat.postMessage({ channel, ...message }));
      return true;
    },

    async postOpsAlert(text) {
      if (!deps.opsChannel) return;
      const channel = deps.opsChannel;
      await paced(channel, () =>
        deps.client.chat.postMessage({
          channel,
          text: `:rotating_light: ${safeLines(text, 2900)}`,
          blocks: [
            {
              type: 'section',
              text: {
                type: 'mrkdwn',
                text: `:rotating_light: *Scout ops alert*\n${safeLines(text, 2800)}`,
              },
            },
          ],
        }),
      );
    },
  };
}
