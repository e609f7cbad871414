import { randomUUID } from 'node:crypto';
import { openLazyRedis } from './concurrency/lazy-redis.js';
import { type Config, requireSettings } from './config.js';
import { openHubSpotCrm } from './crm/hubspot/open-hubspot-crm.js';
import { createLocalCrm } from './crm/local-crm.js';
import { openSalesforceCrm } from './crm/salesforce/open-salesforce-crm.js';
import { createBatchStore } from './db/batch-store.js';
import { type Database, type Db, openDatabase } from './db/client.js';
import { createControlStore } from './db/control-store.js';
import { createHeartbeatStore } from './db/heartbeat-store.js';
import { createHomeStore } from './db/home-store.js';
import { createOutboxStore } from './db/outbox-store.js';
import { createOverturnStore } from './db/overturn-store.js';
import { createProposalStore } from './db/proposal-store.js';
import { createQueuedRunStore } from './db/queued-run-store.js';
import { createRunDigestReader } from './db/run-digest-query.js';
import { createRunLedger } from './db/run-ledger.js';
import { requireMigratedSchema } from './db/schema-check.js';
import { createSuggestionStore } from './db/suggestion-store.js';
import { createUndoStore } from './db/undo-store.js';
import { createWriteNoticeStore } from './db/write-notice-store.js';
import { ScoutError } from './errors.js';
import { createAnthropicBatches } from './extraction/anthropic-batches.js';
import {
  type AnthropicExtractorOptions,
  createAnthropicExtractor,
} from './extraction/anthropic-extractor.js';
import { loadReplayFile } from './extraction/replay-extractor.js';
import type { Logger } from './logger.js';
import type { BatchExtractorPort } from './services/ports/batch-extractor.js';
import type { CrmPort } from './services/ports/crm.js';
import type { ExtractorPort } from './services/ports/extractor.js';
import type { RunLedger } from './services/ports/run-ledger.js';
import { createSlackLimits, type SlackLimits } from './slack/limited-client.js';

/**
 * The composition root: this file opens what every database-backed command shares (the
 * database, the CRM, the stores), and `app-process.ts` builds what commands and long-running
 * processes add on top (the notifier, the job runtime, the sweeps). Nothing else wires.
 */

/** Every store over the database, built once per process. */
export function createStores(db: Db) {
  return {
    proposals: createProposalStore(db),
    suggestions: createSuggestionStore(db),
    control: createControlStore(db),
    home: createHomeStore(db),
    undo: createUndoStore(db),
    runs: createQueuedRunStore(db),
    overturns: createOverturnStore(db),
    batches: createBatchStore(db),
    outbox: createOutboxStore(db),
    heartbeats: createHeartbeatStore(db),
    writeNotices: createWriteNoticeStore(db),
    runDigest: createRunDigestReader(db),
  };
}
export type Stores = ReturnType<typeof createStores>;

/** The composition root's products for one command; `close` releases them in reverse order. */
export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly crm: CrmPort;
  readonly ledger: RunLedger;
  readonly stores: Stores;
  /**
   * Slack's Tier 3 budgets and 429 pauses, for every Slack client of the process; with
   * REDIS_URL shared by every process on that Redis and SCOUT_QUEUE_PREFIX.
   */
  readonly slackLimits: SlackLimits;
  readonly clock: () => Date;
  readonly newId: () => string;
  close(): Promise<void>;
}

/**
 * Checks the schema is current and opens everything a database-backed command needs.
 * It never migrates (docs/guarantees.md#g21): that is `scout migrate`, as the schema owner.
 */
export async function openApp(config: Config, logger: Logger): Promise<AppContext> {
  requireSettings(config, ['database', 'crm']);
  const url = config.DATABASE_URL as string;
  try {
    await requireMigratedSchema(url);
  } catch (error) {
    if (error instanceof ScoutError) throw error;
    throw new ScoutError(
      'database_failed',
      `Cannot prepare the database at ${redactUrl(url)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const database = openDatabase(url);
  const opened = createCrm(config, database);
  // The adapters are plain objects of closures: a copy with the link is the same CRM.
  const crm: CrmPort = {
    ...opened.crm,
    ...(config.SCOUT_DEAL_URL ? { dealUrl: dealUrlFrom(config.SCOUT_DEAL_URL) } : {}),
    ...(config.SCOUT_CURRENCY ? { currency: config.SCOUT_CURRENCY } : {}),
  };
  return composeApp({ config, logger, database, crm, closeCrm: opened.close });
}

/** An app over a database and CRM already open (`openApp`'s, or the demo's embedded ones). */
export function composeApp(parts: {
  config: Config;
  logger: Logger;
  database: Database;
  crm: CrmPort;
  closeCrm?: () => Promise<void>;
}): AppContext {
  const { database } = parts;
  const slack = openSlackLimits(parts.config, parts.logger);
  return {
    config: parts.config,
    logger: parts.logger,
    database,
    crm: parts.crm,
    ledger: createRunLedger(database.db),
    stores: createStores(database.db),
    slackLimits: slack.limits,
    clock: () => new Date(),
    newId: () => randomUUID(),
    close: async () => {
      await slack.close();
      await parts.closeCrm?.();
      await database.close();
    },
  };
}

/** The Slack limits over Redis when REDIS_URL is set (connected at the first Slack call), else in memory. */
function openSlackLimits(
  config: Config,
  logger: Logger,
): { limits: SlackLimits; close(): Promise<void> } {
  const redis = config.REDIS_URL ? openLazyRedis(config.REDIS_URL, 'Slack rate limits') : null;
  const limits = createSlackLimits({
    ...(redis
      ? { shared: { redis: redis.redis, ready: redis.ready, keyPrefix: config.SCOUT_QUEUE_PREFIX } }
      : {}),
    onPaused: (method, ms) =>
      logger.warn(
        { method, pause_ms: ms },
        redis
          ? 'Slack answered 429: the method is paused for every Scout process on this Redis'
          : 'Slack answered 429: the method is paused for this process',
      ),
  });
  return { limits, close: async () => redis?.close() };
}

function createCrm(config: Config, database: Database): { crm: CrmPort; close(): Promise<void> } {
  if (config.SCOUT_CRM === 'hubspot') {
    return openHubSpotCrm({
      token: config.HUBSPOT_ACCESS_TOKEN as string,
      baseUrl: config.HUBSPOT_BASE_URL,
      budget: { requests: config.HUBSPOT_REQUESTS_PER_10S, windowMs: 10_000 },
      searchBudget: { requests: config.HUBSPOT_SEARCH_PER_SECOND, windowMs: 1000 },
      ...(config.REDIS_URL ? { redisUrl: config.REDIS_URL } : {}),
      keyPrefix: config.SCOUT_QUEUE_PREFIX,
    });
  }
  if (config.SCOUT_CRM === 'salesforce') return openSalesforceCrm(config);
  return { crm: createLocalCrm(database.db), close: async () => {} };
}

/** The Message Batches path; only the Claude extractor has one. */
export function createBatchExtractor(config: Config): BatchExtractorPort {
  requireSettings(config, ['extractor']);
  if (config.extractor !== 'anthropic') {
    throw new ScoutError(
      'usage',
      '--batch needs the Claude extractor (SCOUT_EXTRACTOR=anthropic); the replay extractor has nothing to batch',
    );
  }
  return createAnthropicBatches(anthropicOptions(config));
}

export function createExtractor(config: Config): ExtractorPort {
  requireSettings(config, ['extractor']);
  if (config.extractor === 'replay') return loadReplayFile(config.SCOUT_REPLAY_FILE as string);
  return createAnthropicExtractor(anthropicOptions(config));
}

function anthropicOptions(config: Config): AnthropicExtractorOptions {
  return {
    apiKey: config.ANTHROPIC_API_KEY as string,
    model: config.SCOUT_MODEL,
    maxRetries: config.SCOUT_MODEL_MAX_RETRIES,
    ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}),
  };
}

/** `SCOUT_DEAL_URL` with `{id}` standing for the deal's id, e.g. HubSpot's record page. */
export function dealUrlFrom(template: string): (dealId: string) => string {
  return (dealId) => template.replaceAll('{id}', encodeURIComponent(dealId));
}

/** Hides the password in a connection URL before it reaches a message. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
