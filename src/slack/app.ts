import type { IncomingMessage, ServerResponse } from 'node:http';
import * as bolt from '@slack/bolt';
import type { WebClient, WebClientOptions } from '@slack/web-api';
import type { ControlStore } from '../db/control-store.js';
import type { HomeStore } from '../db/home-store.js';
import type { Policy } from '../domain/policy.js';
import type { Logger } from '../logger.js';
import type { CrmPort } from '../services/ports/crm.js';
import type { DealLock } from '../services/ports/deal-lock.js';
import type { Notifier } from '../services/ports/notifier.js';
import type { ProposalStore } from '../services/ports/proposal-store.js';
import type { RunDigestReader } from '../services/ports/run-digest.js';
import type { SuggestionStore } from '../services/ports/suggestion-store.js';
import type { WriteNoticeStore } from '../services/ports/write-notice-store.js';
import type { DealSummaryPorts } from '../summary/summary-ports.js';
import { boltLogger } from './bolt-logger.js';
import { createSlackLimits, LimitedWebClient, type SlackLimits } from './limited-client.js';
import { createListenerContext } from './listeners/context.js';
import { handledBy, registerListeners } from './listeners/index.js';
import type { SlackUndoDeps } from './listeners/undo-button.js';
import { createReceiver } from './receiver.js';

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
   * The process's Slack limits (Tier 3 budgets, 429 pauses), shared with its notifier and,
   * through Redis, with other processes; without it the app keeps its own in memory (tests).
   */
  readonly slackLimits?: SlackLimits;
  /**
   * The process's one notifier, shared with its job runtime so both keep one per-channel
   * pace; without it the app builds its own on its Bolt client (tests).
   */
  readonly notifier?: Notifier;
  /**
   * The process's job runtime. Approved changes: the decision already committed an outbox
   * row, so `kick` only asks for a prompt relay. Card redraws after clicks are queued with
   * `redrawCard` (with REDIS_URL any serve or worker draws them; else this process).
   * `idle` waits for both (tests, shutdown).
   */
  readonly jobs: {
    kick(): void;
    redrawCard(proposalId: string, version: number): Promise<void>;
    idle(): Promise<void>;
  };
  /** `/deal-summary`: read-only ports only (docs/guarantees.md#g16); without them the command says it is not set up. */
  readonly dealSummary?: DealSummaryPorts;
  /** The Undo button on applied cards (docs/guarantees.md#g15); without it, Undo clicks are acknowledged and ignored. */
  readonly undo?: SlackUndoDeps;
  /**
   * docs/guarantees.md#g23: suggestions offered in the deal's thread, and the deal lock their writes
   * take; without it no suggestions are posted and their buttons are ignored.
   */
  readonly promotion?: { readonly suggestions: SuggestionStore; readonly withDealLock: DealLock };
  /** Issue 18: write notices (posted by the app's own notifier) and their Undo buttons. */
  readonly writeNotices?: WriteNoticeStore;
  /** The App Home tab's reads; without it the Home tab is not published. */
  readonly home?: HomeStore;
  /**
   * The run summary's deals and people, and its Details button's read; without it the
   * summary leaves them out and Details says it is not set up.
   */
  readonly runDigest?: RunDigestReader;
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

/**
 * The Bolt app: approval buttons, the Edit… modal, `/scout` and the rest (listeners/).
 * Listeners verify and parse, commit the decision in one conditional update, acknowledge,
 * and leave the CRM work to the background (docs/guarantees.md#g12; Slack wants an answer within 3 s).
 */
export function createSlackApp(deps: SlackAppDeps): SlackApp {
  const log = deps.logger.child({ component: 'slack' });
  const { receiver, socketMode, handle } = createReceiver({
    signingSecret: deps.signingSecret,
    ...(deps.appToken ? { appToken: deps.appToken } : {}),
    ...(deps.apiUrl ? { apiUrl: deps.apiUrl } : {}),
    clock: deps.clock,
    handled: handledBy(deps),
    logger: log,
  });
  const clientOptions: WebClientOptions = {
    ...(deps.apiUrl ? { slackApiUrl: `${deps.apiUrl.replace(/\/$/, '')}/` } : {}),
    // Bounded: during a Slack outage a card update gives up in about a minute instead of half an hour.
    retryConfig: { retries: 4, factor: 2, minTimeout: 1000 },
    timeout: 10_000,
  };
  const app = new bolt.App({
    receiver,
    token: deps.botToken,
    logger: boltLogger(log),
    clientOptions,
  });
  // The listeners call Slack through `app.client` (listeners/context.ts): it gets the
  // process's Slack limits, so card redraws from clicks keep to Tier 3 with everyone else's.
  const limits = deps.slackLimits ?? createSlackLimits();
  app.client = new LimitedWebClient(deps.botToken, limits, clientOptions);
  const ctx = createListenerContext(app, deps, log, limits);
  registerListeners(app, ctx);
  const { background } = ctx;
  return {
    handle,
    client: ctx.client,
    notifier: ctx.notifier,
    async idle() {
      await background.idle();
      await deps.jobs.idle();
      // An apply refreshes its card from the job; a refresh may queue more background work.
      await background.idle();
    },
    async start() {
      if (socketMode) await app.start();
    },
    async stop() {
      if (socketMode) await app.stop();
      await background.idle();
    },
  };
}
