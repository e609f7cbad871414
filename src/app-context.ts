import { randomUUID } from 'node:crypto';
import { type Config, requireSettings } from './config.js';
import type { CrmPort } from './crm/crm-port.js';
import { createLocalCrm } from './crm/local-crm.js';
import { type Database, openDatabase } from './db/client.js';
import { runMigrations } from './db/migrate.js';
import { createRunLedger, type RunLedger } from './db/run-ledger.js';
import type { Policy } from './domain/policy.js';
import { ScoutError } from './errors.js';
import { createAnthropicBatches } from './extraction/anthropic-batches.js';
import {
  type AnthropicExtractorOptions,
  createAnthropicExtractor,
} from './extraction/anthropic-extractor.js';
import type { BatchExtractorPort } from './extraction/batch-port.js';
import type { ExtractorPort } from './extraction/extractor-port.js';
import { loadReplayFile } from './extraction/replay-extractor.js';
import type { Logger } from './logger.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from './policy-file.js';

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

/** Migrates (under the advisory lock) and opens everything a database-backed command needs. */
export async function openApp(config: Config, logger: Logger): Promise<AppContext> {
  requireSettings(config, ['database', 'crm']);
  const url = config.DATABASE_URL as string;
  try {
    await runMigrations(url);
  } catch (error) {
    throw new ScoutError(
      'database_failed',
      `Cannot prepare the database at ${redactUrl(url)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const database = openDatabase(url);
  return {
    config,
    logger,
    database,
    crm: createCrm(config, database),
    ledger: createRunLedger(database.db),
    clock: () => new Date(),
    newId: () => randomUUID(),
    close: () => database.close(),
  };
}

function createCrm(config: Config, database: Database): CrmPort {
  if (config.SCOUT_CRM === 'hubspot') {
    throw new ScoutError(
      'crm_unsupported',
      'SCOUT_CRM=hubspot is not available in this version yet; use SCOUT_CRM=local',
    );
  }
  return createLocalCrm(database.db);
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
