import { randomUUID } from 'node:crypto';
import { type Config, requireSettings } from './config.js';
import { openHubSpotCrm } from './crm/hubspot/open-hubspot-crm.js';
import { createLocalCrm } from './crm/local-crm.js';
import { openSalesforceCrm } from './crm/salesforce/open-salesforce-crm.js';
import { type Database, openDatabase } from './db/client.js';
import { createRunLedger } from './db/run-ledger.js';
import { requireMigratedSchema } from './db/schema-check.js';
import type { Policy } from './domain/policy.js';
import { ScoutError } from './errors.js';
import { createAnthropicBatches } from './extraction/anthropic-batches.js';
import {
  type AnthropicExtractorOptions,
  createAnthropicExtractor,
} from './extraction/anthropic-extractor.js';
import { loadReplayFile } from './extraction/replay-extractor.js';
import type { Logger } from './logger.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from './policy-file.js';
import type { BatchExtractorPort } from './services/ports/batch-extractor.js';
import type { CrmPort } from './services/ports/crm.js';
import type { ExtractorPort } from './services/ports/extractor.js';
import type { RunLedger } from './services/ports/run-ledger.js';

/** The composition root's products for one command; `close` releases them in reverse order. */
export interface AppContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly database: Database;
  readonly crm: CrmPort;
  readonly ledger: RunLedger;
  readonly clock: () => Date;
  readonly newId: () => string;
  close(): Promise<void>;
}

export function loadPolicy(config: Config): Policy {
  return loadPolicyFile(config.SCOUT_POLICY ?? DEFAULT_POLICY_PATH);
}

/**
 * Checks the schema is current and opens everything a database-backed command needs.
 * It never migrates (SPEC G21): that is `scout migrate`, as the schema owner.
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
  const crm = createCrm(config, database);
  if (config.SCOUT_DEAL_URL) crm.crm.dealUrl = dealUrlFrom(config.SCOUT_DEAL_URL);
  return {
    config,
    logger,
    database,
    crm: crm.crm,
    ledger: createRunLedger(database.db),
    clock: () => new Date(),
    newId: () => randomUUID(),
    close: async () => {
      await crm.close();
      await database.close();
    },
  };
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
