import type { IncomingMessage, ServerResponse } from 'node:http';
import * as bolt from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { z } from 'zod';
import type { ControlStore } from '../db/control-store.js';
import type { HomeStore } from '../db/home-store.js';
import type { Policy } from '../domain/policy.js';
import type { ProposalRow } from '../domain/proposal.js';
import type { Logger } from '../logger.js';
import {
  type Decision,
  type DecisionResult,
  decideProposal,
  logDenied,
  mayDecideNow,
} from '../services/decide-proposal.js';
import type { CrmPort } from '../services/ports/crm.js';
import type { DealLock } from '../services/ports/deal-lock.js';
import type { Notifier } from '../services/ports/notifier.js';
import type { ProposalStore } from '../services/ports/proposal-store.js';
import type { SuggestionStore } from '../services/ports/suggestion-store.js';
import { viewProposal } from '../services/proposal-view.js';
import type { DealSummaryPorts } from '../summary/summary-ports.js';
import { createHomePublisher } from './app-home.js';
import { approverGroupMembership, viewerCheck } from './approver-groups.js';
import { createBackground } from './background.js';
import { ACTION_APPROVE, ACTION_EDIT, ACTION_REJECT, ACTION_UNDO } from './blocks/approval-card.js';
import { ACTION_PICK, ACTION_SHARE, ACTION_WHY } from './blocks/deal-summary-format.js';
import { EDIT_MODAL, editModal, submittedValue, VALUE_BLOCK } from './blocks/edit-modal.js';
import { ACTION_REJECT_REASON, REJECT_OTHER_MODAL } from './blocks/reject-reason.js';
import { boltLogger } from './bolt-logger.js';
import { registerDealSummary, slackPermalinks } from './deal-summary/register.js';
import { ephemeralOf } from './ephemeral.js';
import { createNotifier, slackOwnerOf } from './notifier.js';
import { PROMOTION_ACTIONS, registerPromotionButtons } from './promotion-buttons.js';
import { registerRejectReason } from './reject-reason-listeners.js';
import { gateSlackRequest, type Handled } from './request-gate.js';
import { scoutCommand } from './scout-command.js';
import { SocketModeReceiverWithApiUrl } from './socket-receiver.js';
import { registerUndoButton, type SlackUndoDeps } from './undo-button.js';

export interface SlackAppDeps {
  readonly signingSecret: string;
  readonly botToken: string;
  /** An `xapp-` token switches to Socket Mode: no public endpoint, events over a WebSocket. */
  readonly appToken?: string;
  /** Web API base, for local stand-ins (`SLACK_API_URL`). */
  readonly apiUrl?: string;
  readonly crm: CrmPort;
  readonly proposals: ProposalStore;
  readonly control: ControlStore;
  readonly policy: Policy;
  readonly liveWrites: string | undefined;
  readonly clock: () => Date;
  readonly logger: Logger;
  readonly opsChannel?: string;
  readonly approvalsChannel?: string;
  readonly minPostIntervalMs?: number;
  /**
   * Where approved changes go: the decision already committed an outbox row, so this
   * only asks for a prompt relay; `idle` waits for it (tests, shutdown).
   */
  readonly applies: { kick(): void; idle(): Promise<void> };
  /** `/deal-summary`: read-only ports only (SPEC G16); without them the command says it is not set up. */
  readonly dealSummary?: DealSummaryPorts;
  /** The Undo button on applied cards (SPEC G15); without it, Undo clicks are acknowledged and ignored. */
  readonly undo?: SlackUndoDeps;
  /**
   * SPEC G23: suggestions offered in the deal's thread, and the deal lock their writes
   * take; without it no suggestions are posted and their buttons are ignored.
   */
  readonly promotion?: { readonly suggestions: SuggestionStore; readonly withDealLock: DealLock };
  /** The App Home tab's reads; without it the Home tab is not published. */
  readonly home?: HomeStore;
}

export interface SlackApp {
  /** The HTTP handler for `/slack/events` (signature, timestamp and body checks included). */
  handle(req: IncomingMessage, res: ServerResponse): void;
  readonly client: WebClient;
  readonly notifier: Notifier;
  /** Resolves when every apply and card update started so far has finished. */
  idle(): Promise<void>;
  /** Connects the Socket Mode WebSocket (a no-op over HTTP). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

const buttonValue = z.string().transform((s, ctx) => {
  try {
    return z
      .strictObject({ p: z.string().min(1).max(100), v: z.number().int().min(1) })
      .parse(JSON.parse(s));
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a Scout button value' });
    return z.NEVER;
  }
});

/** Slack allows a request up to five minutes old; Bolt checks only that bound, we also refuse the future. */
const MAX_SKEW_SECONDS = 300;
const BODY_LIMIT = 256 * 1024;

/**
 * The Bolt app: approval buttons, the Edit… modal, and `/scout`. Listeners verify and
 * parse, commit the decision in one conditional update, acknowledge, and leave the CRM
 * work to the background (SPEC G12; Slack wants an answer within 3 s).
 */
export function createSlackApp(deps: SlackAppDeps): SlackApp {
  const log = deps.logger.child({ component: 'slack' });
  /** What the listeners below answer; the request gate lets nothing else reach Bolt. */
  const handled: Handled = {
    action: (id) =>
      [
        ACTION_APPROVE,
        ACTION_REJECT,
        ACTION_EDIT,
        ACTION_UNDO,
        ACTION_SHARE,
        ACTION_WHY,
        ACTION_REJECT_REASON,
        ...PROMOTION_ACTIONS,
      ].includes(id) || new RegExp(`^${ACTION_PICK}_\\d+$`).test(id),
    views: new Set([EDIT_MODAL, REJECT_OTHER_MODAL]),
    commands: new Set(['/scout', '/deal-summary']),
    ...(deps.home ? { events: new Set(['app_home_opened']) } : {}),
  };
  const socket = deps.appToken
    ? new SocketModeReceiverWithApiUrl({
        appToken: deps.appToken,
        logger: log,
        handled,
        bodyLimit: BODY_LIMIT,
        ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
      })
    : null;
  const receiver = socket
    ? null
    : new bolt.HTTPReceiver({
        signingSecret: deps.signingSecret,
        endpoints: '/slack/events',
        logger: boltLogger(log),
        bodyLimit: BODY_LIMIT,
        unhandledRequestTimeoutMillis: 2500,
        // A listener's failure is logged with its reason and answered; it never reaches the process.
        processEventErrorHandler: async (args) => {
          log.error({ err: args.error.message }, 'a Slack request failed in a listener');
          return bolt.HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
        },
      });
  const app = new bolt.App({
    receiver: socket ?? (receiver as InstanceType<typeof bolt.HTTPReceiver>),
    token: deps.botToken,
    logger: boltLogger(log),
    clientOptions: {
      ...(deps.apiUrl ? { slackApiUrl: `${deps.apiUrl.replace(/\/$/, '')}/` } : {}),
      // Bounded: during a Slack outage a card update gives up in about a minute instead of half an hour.
      retryConfig: { retries: 4, factor: 2, minTimeout: 1000 },
      timeout: 10_000,
    },
  });
  const client = app.client;
  const background = createBackground(log);
  const notifier = createNotifier({
    client,
    proposals: deps.proposals,
    crm: deps.crm,
    policy: deps.policy,
    logger: log,
    ...(deps.opsChannel ? { opsChannel: deps.opsChannel } : {}),
    ...(deps.approvalsChannel ? { approvalsChannel: deps.approvalsChannel } : {}),
    ...(deps.minPostIntervalMs !== undefined ? { minIntervalMs: deps.minPostIntervalMs } : {}),
    ...(deps.promotion ? { suggestions: deps.promotion.suggestions } : {}),
  });
  const inApproverGroup = approverGroupMembership(
    client,
    deps.policy.approverGroups,
    log,
    deps.clock,
  );
  let deniedRepeats = 0;
  const decideDeps = {
    inApproverGroup,
    // Cards made while the owner was unknown: the owner is looked up at the click.
    resolveOwner: async (row: ProposalRow) => slackOwnerOf(client, await view(row), log),
    crm: deps.crm,
    proposals: deps.proposals,
    policy: deps.policy,
    clock: deps.clock,
    onDeniedRepeat: (attempt: { userId: string; proposalId: string; tried: string }) => {
      deniedRepeats++;
      log.warn(
        {
          user: attempt.userId,
          proposal_id: attempt.proposalId,
          tried: attempt.tried,
          repeats: deniedRepeats,
        },
        'refused a repeated unauthorised attempt (already logged as denied within 10 minutes)',
      );
    },
  };

  const homes = deps.home
    ? createHomePublisher({
        home: deps.home,
        crm: deps.crm,
        policy: deps.policy,
        client,
        inApproverGroup,
        logger: log,
      })
    : null;
  /** After a decision: the Home tabs of the person and of the deal's owner show what is left. */
  const refreshHomes = (...users: Array<string | null | undefined>) => {
    if (!homes) return;
    for (const user of new Set(users.filter((u): u is string => !!u)))
      background.run('publish-home', () => homes.publish(user));
  };
  if (homes)
    app.event('app_home_opened', async ({ event }) => {
      if (event.tab === 'home') refreshHomes(event.user);
    });

  const ephemeral = ephemeralOf(client);

  const view = (row: ProposalRow) => viewProposal(deps.crm, deps.policy, row);

  /** What follows a decision, off the request path: the card, the write, the refusal. */
  const afterDecision = (result: DecisionResult, user: string, channel: string | undefined) =>
    background.run('after-decision', async () => {
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
          if (result.row.status !== 'rejected') deps.applies.kick();
          refreshHomes(user, result.row.ownerSlackId);
        }
      }
    });

  const onButton =
    (decision: Decision['kind']) =>
    async (
      args: bolt.SlackActionMiddlewareArgs<bolt.BlockButtonAction> & bolt.AllMiddlewareArgs,
    ) => {
      const { ack, body, action } = args;
      const parsed = buttonValue.safeParse(action.value);
      if (!parsed.success) {
        await ack();
        return;
      }
      const result = await decideProposal(decideDeps, {
        proposalId: parsed.data.p,
        version: parsed.data.v,
        userId: body.user.id,
        decision: decision === 'reject' ? { kind: 'reject' } : { kind: 'approve' },
      });
      await ack();
      afterDecision(result, body.user.id, body.channel?.id);
    };
  app.action<bolt.BlockButtonAction>({ action_id: ACTION_APPROVE }, onButton('approve'));
  app.action<bolt.BlockButtonAction>({ action_id: ACTION_REJECT }, onButton('reject'));

  registerRejectReason(app, {
    decideDeps,
    proposals: deps.proposals,
    client,
    background,
    refreshCard: async (row) => notifier.refreshCard(await view(row)),
    logger: log,
  });

  app.action<bolt.BlockButtonAction>({ action_id: ACTION_EDIT }, async ({ ack, body, action }) => {
    await ack();
    background.run('open-edit-modal', () => openEditModal(body, action.value));
  });

  /** The Edit… button: authorise, then open the modal while the trigger id is still valid (3 s). */
  async function openEditModal(
    body: bolt.BlockAction<bolt.ButtonAction>,
    value: string | undefined,
  ): Promise<void> {
    const parsed = buttonValue.safeParse(value);
    if (!parsed.success) return;
    const row = await deps.proposals.get(parsed.data.p);
    if (!row) return ephemeral(body.channel?.id, body.user.id, 'This proposal no longer exists.');
    if (!(await mayDecideNow(decideDeps, row, body.user.id))) {
      await logDenied(decideDeps, row, body.user.id, 'edit');
      afterDecision({ kind: 'unauthorized', row }, body.user.id, body.channel?.id);
      return;
    }
    if (row.status !== 'pending' || row.version !== parsed.data.v) {
      afterDecision({ kind: 'already', row }, body.user.id, body.channel?.id);
      return;
    }
    const shown = await view(row);
    const users = shown.def?.type === 'user' ? await deps.crm.listUsers() : [];
    const opened = client.views.open({
      trigger_id: body.trigger_id,
      view: editModal({
        proposal: { id: row.id, version: row.version },
        dealName: shown.card.dealName,
        fieldLabel: shown.card.fieldLabel,
        fieldType: shown.card.fieldType,
        ...(shown.def?.options ? { options: shown.def.options } : {}),
        ...(deps.policy.dealFields.get(row.field)?.maxLength
          ? { maxLength: deps.policy.dealFields.get(row.field)?.maxLength }
          : {}),
        proposedValue: row.newValue,
        proposedSlackUser: users.find((u) => u.id === row.newValue)?.slackUserId ?? null,
      }),
    });
    try {
      await opened;
    } catch (error) {
      // Slack's trigger id lives 3 s; past that the modal cannot open, and the rep should know why.
      log.warn({ err: (error as Error).message, proposal_id: row.id }, 'views.open failed');
      await ephemeral(
        body.channel?.id,
        body.user.id,
        'Slack did not open the edit form in time. Press Edit… again.',
      );
    }
  }

  app.view(EDIT_MODAL, async ({ ack, body, view }) => {
    const parsed = buttonValue.safeParse(view.private_metadata);
    if (!parsed.success) {
      await ack({
        response_action: 'errors',
        errors: { [VALUE_BLOCK]: 'This form is no longer valid; open the card again.' },
      });
      return;
    }
    const value = submittedValue(
      view.state.values as unknown as Record<string, Record<string, Record<string, unknown>>>,
    );
    if (value === null || value.trim() === '') {
      await ack({
        response_action: 'errors',
        errors: { [VALUE_BLOCK]: 'Enter a value: Scout never clears a field.' },
      });
      return;
    }
    const result = await decideProposal(decideDeps, {
      proposalId: parsed.data.p,
      version: parsed.data.v,
      userId: body.user.id,
      decision: { kind: 'edit', value },
    });
    if (result.kind === 'invalid') {
      await ack({
        response_action: 'errors',
        errors: { [VALUE_BLOCK]: result.reason.slice(0, 150) },
      });
      return;
    }
    if (result.kind === 'unauthorized') {
      await ack({
        response_action: 'errors',
        errors: { [VALUE_BLOCK]: 'Only the deal owner or a configured approver can decide.' },
      });
      return;
    }
    if (result.kind !== 'decided') {
      await ack({
        response_action: 'errors',
        errors: {
          [VALUE_BLOCK]: `This proposal was already ${result.kind === 'already' ? result.row.status : result.kind}.`,
        },
      });
      return;
    }
    await ack();
    afterDecision(result, body.user.id, undefined);
  });

  if (deps.undo)
    registerUndoButton(app, {
      ...deps.undo,
      client,
      background,
      notifier,
      proposals: deps.proposals,
      crm: deps.crm,
      policy: deps.policy,
      clock: deps.clock,
      logger: log,
    });

  if (deps.promotion)
    registerPromotionButtons(app, {
      ...deps.promotion,
      crm: deps.crm,
      journal: deps.proposals.journal,
      policy: deps.policy,
      liveWrites: deps.liveWrites,
      isPaused: () => deps.control.isPaused(),
      client,
      notifier,
      background,
      inApproverGroup,
      clock: deps.clock,
      logger: log,
      afterChange: (user, offer) => refreshHomes(user, offer.ownerSlackId),
    });

  app.command('/scout', async ({ ack, command }) => {
    await ack({
      response_type: 'ephemeral',
      text: await scoutCommand(deps, command.user_id, command.text),
    });
  });

  if (deps.dealSummary)
    registerDealSummary(app, {
      ports: deps.dealSummary,
      permalinks: slackPermalinks(client, log),
      background,
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

  return {
    handle(req, res) {
      if (!receiver) {
        res.writeHead(404).end();
        return;
      }
      const ts = Number(req.headers['x-slack-request-timestamp']);
      if (Number.isFinite(ts) && ts - deps.clock().getTime() / 1000 > MAX_SKEW_SECONDS) {
        log.warn({ ts }, 'refused a Slack request dated in the future');
        res.writeHead(401).end();
        return;
      }
      gateSlackRequest(req, {
        signingSecret: deps.signingSecret,
        bodyLimit: BODY_LIMIT,
        nowMs: deps.clock().getTime(),
        handled,
      })
        .then((verdict) => {
          if (!verdict.pass) {
            log[verdict.status === 200 ? 'debug' : 'warn'](
              { status: verdict.status, reason: verdict.reason },
              'refused a Slack request',
            );
            res.writeHead(verdict.status).end();
            return;
          }
          // Bolt reads an already-buffered body as is (its `rawBody`) instead of the spent stream.
          Object.assign(req, { rawBody: verdict.rawBody });
          receiver.requestListener(req, res);
        })
        .catch((error: unknown) => {
          log.error({ err: (error as Error).message }, 'a Slack request failed before Bolt');
          if (!res.headersSent) res.writeHead(400).end();
        });
    },
    client,
    notifier,
    async idle() {
      await background.idle();
      await deps.applies.idle();
      // An apply refreshes its card from the job; a refresh may queue more background work.
      await background.idle();
    },
    async start() {
      if (socket) await app.start();
    },
    async stop() {
      if (socket) await app.stop();
      await background.idle();
    },
  };
}
