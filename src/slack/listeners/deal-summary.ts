import type * as bolt from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import type { Logger } from '../../logger.js';
import {
  fieldHistory,
  findDeal,
  qualificationFields,
  resolveField,
  summarizeDeal,
} from '../../summary/summarize-deal.js';
import type { DealSummaryPorts, PermalinkPort } from '../../summary/summary-ports.js';
import { parseSummaryRequest } from '../../summary/summary-request.js';
import { viewerCheck } from '../approver-groups.js';
import type { Background } from '../background.js';
import { dealSummaryMessage, MAX_PENDING, type SummaryAudience } from '../blocks/deal-summary.js';
import { ACTION_PICK, ACTION_SHARE, ACTION_WHY } from '../blocks/deal-summary-format.js';
import { fieldHistoryMessage } from '../blocks/deal-summary-history.js';
import { dealPicker, noMatch, USAGE } from '../blocks/deal-summary-lookup.js';
import { LIMITS, safe, truncate } from '../blocks/text.js';
import { summaryValue } from './button-values.js';
import type { ListenerContext } from './context.js';

/** `chat.getPermalink` for the cards of pending proposals; a link that cannot be made is left out. */
function slackPermalinks(client: WebClient, logger: Logger): PermalinkPort {
  return {
    async permalink(channel, ts) {
      try {
        return (await client.chat.getPermalink({ channel, message_ts: ts })).permalink ?? null;
      } catch (error) {
        logger.warn({ err: (error as Error).message, channel }, 'no permalink for a card');
        return null;
      }
    },
  };
}

export interface DealSummaryListenerDeps {
  readonly ports: DealSummaryPorts;
  readonly permalinks: PermalinkPort;
  readonly background: Background;
  readonly logger: Logger;
  /** The policy's `viewers:` (users and user groups); without it, everyone may read. */
  readonly mayView?: (slackUserId: string) => Promise<boolean>;
}

const NOT_A_VIEWER =
  "Deal summaries are limited to the people listed under `viewers` in Scout's field policy. Your request was logged.";

type Respond = bolt.RespondFn;

/** `/deal-summary` from the app's read-only ports, or a note that it is not set up. */
export function registerDealSummaryCommand(app: bolt.App, ctx: ListenerContext): void {
  const { deps, client, log } = ctx;
  if (deps.dealSummary)
    registerDealSummary(app, {
      ports: deps.dealSummary,
      permalinks: slackPermalinks(client, log),
      background: ctx.background,
      logger: log,
      ...(deps.policy.viewers
        ? { mayView: viewerCheck(client, deps.policy.viewers, log, deps.clock) }
        : {}),
    });
  else
    app.command('/deal-summary', async ({ ack }) => {
      await ack({
        response_type: 'ephemeral',
        text: 'Deal summaries are not set up on this Scout server.',
      });
    });
}

/**
 * `/deal-summary` and its buttons (docs/guarantees.md#g16). Built from read-only ports only. The
 * command is acknowledged at once (usage help inside the ack); every answer that reads
 * the CRM or the log goes through the request's `response_url`, so Slack's 3 s limit
 * never depends on the CRM, the database or Claude.
 */
function registerDealSummary(app: bolt.App, deps: DealSummaryListenerDeps): void {
  const { ports, background } = deps;
  const log = deps.logger.child({ component: 'deal-summary' });

  const summary = async (
    dealId: string,
    audience: SummaryAudience,
    respond: Respond,
    replace: boolean,
  ) => {
    const s = await summarizeDeal(ports, dealId, {
      narrative: ports.policy.dealSummary.narrative,
      onNarrativeError: (error) =>
        log.warn({ err: (error as Error).message, deal_id: dealId }, 'narrative unavailable'),
    });
    if (!s)
      return respond({
        response_type: 'ephemeral',
        replace_original: replace,
        text: 'That deal no longer exists in the CRM.',
      });
    const links = new Map<string, string>();
    await Promise.all(
      s.pending.slice(0, MAX_PENDING).map(async (p) => {
        if (!p.slackChannel || !p.slackTs) return;
        const link = await deps.permalinks.permalink(p.slackChannel, p.slackTs);
        if (link) links.set(p.id, link);
      }),
    );
    return respond({
      response_type: audience.kind === 'shared' ? 'in_channel' : 'ephemeral',
      replace_original: replace,
      ...dealSummaryMessage(s, links, audience),
    });
  };

  const history = async (dealId: string, fieldName: string, respond: Respond, replace: boolean) => {
    const field = resolveField(ports, fieldName);
    if (!field)
      return respond({
        response_type: 'ephemeral',
        replace_original: replace,
        text: unknownField(fieldName),
      });
    const h = await fieldHistory(ports, dealId, field);
    if (!h)
      return respond({
        response_type: 'ephemeral',
        replace_original: replace,
        text: 'That deal no longer exists in the CRM.',
      });
    return respond({
      response_type: 'ephemeral',
      replace_original: replace,
      ...fieldHistoryMessage(h),
    });
  };

  const unknownField = (typed: string) =>
    truncate(
      `Scout does not track a field called “${safe(typed, 100)}”. Fields: ${qualificationFields(
        ports,
      )
        .map((f) => `\`${f.name}\``)
        .join(', ')}.`,
      LIMITS.sectionText,
    );

  /** Runs after the ack; whatever goes wrong, the manager is told instead of left waiting. */
  const later = (name: string, respond: Respond, task: () => Promise<unknown>) =>
    background.run(name, async () => {
      try {
        await task();
      } catch (error) {
        log.error({ err: (error as Error).message }, `${name} failed`);
        await respond({
          response_type: 'ephemeral',
          replace_original: false,
          text: ':warning: Scout could not build this answer right now (the CRM or the database did not answer). Try again in a minute.',
        });
      }
    });

  /** Refuses a reader outside `viewers:` (ephemeral; the app log records who asked). */
  const refused = async (user: string, what: string): Promise<boolean> => {
    if (!deps.mayView || (await deps.mayView(user))) return false;
    log.warn({ user, what }, 'refused /deal-summary to someone not among the viewers');
    return true;
  };

  app.command('/deal-summary', async ({ ack, command, respond }) => {
    if (await refused(command.user_id, 'command')) {
      await ack({ response_type: 'ephemeral', text: NOT_A_VIEWER });
      return;
    }
    const request = parseSummaryRequest(command.text ?? '');
    if (request.kind === 'usage') {
      await ack({ response_type: 'ephemeral', text: USAGE });
      return;
    }
    await ack();
    later('deal-summary', respond, async () => {
      if (request.kind === 'why' && !resolveField(ports, request.field))
        return respond({ response_type: 'ephemeral', text: unknownField(request.field) });
      const found = await findDeal(ports, request.query);
      const field = request.kind === 'why' ? request.field : undefined;
      switch (found.kind) {
        case 'none':
          return respond({
            response_type: 'ephemeral',
            text: noMatch(request.query, found.closest),
          });
        case 'many':
          return respond({
            response_type: 'ephemeral',
            ...dealPicker(request.query, found.deals, found.total, field),
          });
        case 'one':
          return field === undefined
            ? summary(found.deal.id, { kind: 'asker' }, respond, false)
            : history(found.deal.id, field, respond, false);
      }
    });
  });

  app.action<bolt.BlockButtonAction>(
    { action_id: ACTION_SHARE },
    async ({ ack, body, action, respond }) => {
      await ack();
      if (await refused(body.user.id, 'share')) {
        await respond({ response_type: 'ephemeral', replace_original: false, text: NOT_A_VIEWER });
        return;
      }
      const value = summaryValue.safeParse(action.value);
      if (!value.success) return;
      later('deal-summary-share', respond, () =>
        summary(value.data.d, { kind: 'shared', by: body.user.id }, respond, false),
      );
    },
  );

  app.action<bolt.BlockStaticSelectAction>(
    { action_id: ACTION_WHY },
    async ({ ack, body, action, respond }) => {
      await ack();
      if (await refused(body.user.id, 'why')) {
        await respond({ response_type: 'ephemeral', replace_original: false, text: NOT_A_VIEWER });
        return;
      }
      const value = summaryValue.safeParse(action.selected_option?.value);
      if (!value.success || !value.data.f) return;
      const field = value.data.f;
      later('deal-summary-why', respond, () => history(value.data.d, field, respond, false));
    },
  );

  app.action<bolt.BlockButtonAction>(
    { action_id: new RegExp(`^${ACTION_PICK}_\\d+$`) },
    async ({ ack, body, action, respond }) => {
      await ack();
      if (await refused(body.user.id, 'pick')) {
        await respond({ response_type: 'ephemeral', replace_original: false, text: NOT_A_VIEWER });
        return;
      }
      const value = summaryValue.safeParse(action.value);
      if (!value.success) return;
      const { d, f } = value.data;
      // The picker is replaced by the answer.
      later('deal-summary-pick', respond, () =>
        f === undefined
          ? summary(d, { kind: 'asker' }, respond, true)
          : history(d, f, respond, true),
      );
    },
  );
}
