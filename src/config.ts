import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { DEFAULT_POOL_SIZE, dealLockSlots } from './db/deal-lock.js';
import { ScoutError } from './errors.js';

const url = (protocols: readonly string[]) =>
  z
    .string()
    .url('must be a URL')
    .refine(
      (u) => protocols.some((p) => u.startsWith(`${p}://`)),
      `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
    );

/** The one schema for Scout's environment (SPEC interface contract). Parsed once, frozen, passed down. */
const envSchema = z.object({
  DATABASE_URL: url(['postgres', 'postgresql']).optional(),
  REDIS_URL: url(['redis', 'rediss']).optional(),
  /** Kept raw on purpose: only the exact string `1` opens the lock, anything else is reported. */
  LIVE_WRITES: z.string().optional(),
  SCOUT_POLICY: z.string().optional(),
  SCOUT_CRM: z.enum(['local', 'hubspot', 'salesforce']).default('local'),
  HUBSPOT_ACCESS_TOKEN: z.string().optional(),
  /** Without trailing slashes: the request budget is keyed by it, and every process must agree. */
  HUBSPOT_BASE_URL: url(['http', 'https'])
    .default('https://api.hubapi.com')
    .transform((u) => u.replace(/\/+$/, '')),
  /** A link to a deal in the CRM's own pages, `{id}` standing for the deal's id (cards, summaries). */
  SCOUT_DEAL_URL: url(['http', 'https'])
    .refine((u) => u.includes('{id}'), 'must contain {id} where the deal id goes')
    .optional(),
  /**
   * HubSpot requests per rolling 10 s, shared by every process through Redis (100 Free/Starter,
   * 190 Professional+). At least 2: an update holds its share while its compare read takes another.
   */
  HUBSPOT_REQUESTS_PER_10S: z.coerce.number().int().min(2).max(10_000).default(100),
  /** HubSpot CRM search requests per rolling second (HubSpot allows 4 per token). */
  HUBSPOT_SEARCH_PER_SECOND: z.coerce.number().int().min(1).max(100).default(4),
  ANTHROPIC_API_KEY: z.string().optional(),
  ANTHROPIC_BASE_URL: url(['http', 'https']).optional(),
  SCOUT_MODEL: z.string().min(1).default('claude-sonnet-5-5'),
  /** Retries of a failed Messages API call (429, 529, 5xx, timeouts), with backoff honouring retry-after. */
  SCOUT_MODEL_MAX_RETRIES: z.coerce.number().int().min(0).max(10).default(4),
  /** First wait between Message Batch status polls (it grows by half each poll, up to five minutes). */
  SCOUT_BATCH_POLL_SECONDS: z.coerce.number().min(0.01).max(3600).default(30),
  /** How many deals are extracted at once (Messages API calls in flight). */
  SCOUT_EXTRACT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  SCOUT_EXTRACTOR: z.enum(['anthropic', 'replay']).optional(),
  SCOUT_REPLAY_FILE: z.string().optional(),
  SLACK_BOT_TOKEN: z.string().optional(),
  SLACK_SIGNING_SECRET: z.string().optional(),
  SLACK_APP_TOKEN: z.string().optional(),
  SLACK_API_URL: url(['http', 'https']).optional(),
  SCOUT_OPS_CHANNEL: z.string().optional(),
  /** Where approval cards go when a deal's owner cannot be found in Slack. */
  SCOUT_APPROVALS_CHANNEL: z.string().optional(),
  PORT: z.coerce.number().int().min(1).max(65_535).default(3000),
  /** YAML file of the worker's cron schedules (see schedules.example.yml); unset means none. */
  SCOUT_SCHEDULES: z.string().optional(),
  /** Namespaces Scout's Redis keys, so several deployments (or tests) can share one Redis. */
  SCOUT_QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, - and _ only (up to 40)')
    .default('scout'),
  /** Deal jobs one worker process runs at once (model calls in flight). */
  SCOUT_WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(20),
  /**
   * Approved changes one worker process applies at once (applies to one deal never overlap).
   * Each holds a pooled Postgres connection while it holds its deal's lock: at most half the pool.
   */
  SCOUT_APPLY_CONCURRENCY: z.coerce
    .number()
    .int()
    .min(1)
    .max(
      dealLockSlots(DEFAULT_POOL_SIZE),
      `must be at most ${dealLockSlots(DEFAULT_POOL_SIZE)}: each apply holds one of the process's ${DEFAULT_POOL_SIZE} Postgres connections while it holds its deal's lock, and the rest serve the work itself`,
    )
    .default(4),
  /** Global cap on deal jobs started per second across every worker: the CRM's API budget. */
  SCOUT_DEALS_PER_SECOND: z.coerce.number().int().min(1).max(10_000).optional(),
  /** A job's lock; a worker that dies frees its jobs for another after about this long. */
  SCOUT_JOB_LOCK_SECONDS: z.coerce.number().min(0.2).max(600).default(30),
  /** How often lost work is looked for, and how old it must be to count as lost. */
  SCOUT_RECONCILE_SECONDS: z.coerce.number().min(0.05).max(3600).default(30),
  SCOUT_RECONCILE_GRACE_SECONDS: z.coerce.number().min(0).max(86_400).default(60),
  SCOUT_HEARTBEAT_SECONDS: z.coerce.number().min(0.05).max(3600).default(10),
  /**
   * SPEC G20: a run's lease, renewed every third of it while its process works; a run whose
   * lease lapsed is marked interrupted by whoever notices first. At most a minute.
   */
  SCOUT_RUN_LEASE_SECONDS: z.coerce.number().min(0.3).max(60).default(30),
  /**
   * Deals a `scout run` reads, decides and commits at a time: each page's CRM writes and log
   * rows commit together (SPEC G19). Smaller pages commit more often and hold less memory.
   */
  SCOUT_RUN_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(200),
  /** Heartbeat silence after which ops are alerted in Slack. */
  SCOUT_HEARTBEAT_ALERT_SECONDS: z.coerce.number().min(1).max(86_400).default(60),
  /** How long SIGTERM waits for running jobs before leaving them to be retried elsewhere. */
  SCOUT_SHUTDOWN_SECONDS: z.coerce.number().min(0).max(3600).default(25),
  /** How long after an approval its card's Undo button works (0 turns the button off). */
  SCOUT_UNDO_WINDOW_HOURS: z.coerce.number().min(0).max(8760).default(24),
  /** `scout purge` clears quotes logged more than this many days ago (when not given on the command line). */
  SCOUT_RETENTION_DAYS: z.coerce.number().int().min(1).max(36_500).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
  /** Salesforce (SCOUT_CRM=salesforce): the JWT bearer flow, or an instance URL and session id for development. */
  SALESFORCE_LOGIN_URL: url(['http', 'https']).default('https://login.salesforce.com'),
  SALESFORCE_CLIENT_ID: z.string().optional(),
  SALESFORCE_USERNAME: z.string().optional(),
  SALESFORCE_PRIVATE_KEY_FILE: z.string().optional(),
  SALESFORCE_INSTANCE_URL: url(['http', 'https']).optional(),
  SALESFORCE_ACCESS_TOKEN: z.string().optional(),
  /** Requests of the org's daily API allocation a run leaves unused: it stops reading deals first. */
  SALESFORCE_API_RESERVE: z.coerce.number().int().min(0).default(1000),
  /** The worker serves Prometheus metrics (and /healthz) on this port; unset, it serves none. */
  METRICS_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  /** When the worker posts the weekly digest to SCOUT_OPS_CHANNEL: a cron in UTC, Mondays 09:00 by default. */
  SCOUT_DIGEST_CRON: z
    .string()
    .refine((c) => {
      try {
        CronExpressionParser.parse(c, { tz: 'UTC' });
        return true;
      } catch {
        return false;
      }
    }, 'must be a cron expression such as "0 9 * * 1"')
    .optional(),
  /** The ops dashboard on `serve` (/dashboard) answers only with this token; unset, it is off. */
  SCOUT_DASHBOARD_TOKEN: z
    .string()
    .min(16, 'must be at least 16 characters (it guards the ops dashboard)')
    .optional(),
  /**
   * The injection screen's second opinion: `1` asks Claude (no tools, the quoted passage
   * only) about every finding the auto lane would write. Off by default.
   */
  SCOUT_SCREEN_SECOND_OPINION: z.enum(['0', '1']).default('0'),
  /** The second opinion's model: it answers one word, so a small model is enough. */
  SCOUT_SCREEN_MODEL: z.string().min(1).default('claude-haiku-4-5'),
});

export type Config = Readonly<z.output<typeof envSchema>> & {
  readonly extractor: 'anthropic' | 'replay';
};

/** Names of settings that are secrets: never logged, never stored. */
export const SECRET_SETTINGS = [
  'HUBSPOT_ACCESS_TOKEN',
  'ANTHROPIC_API_KEY',
  'SLACK_BOT_TOKEN',
  'SLACK_SIGNING_SECRET',
  'SLACK_APP_TOKEN',
  'SALESFORCE_ACCESS_TOKEN',
  'SCOUT_DASHBOARD_TOKEN',
] as const;

/**
 * Parses the environment once. Empty strings count as unset (as compose files and
 * shells often leave them). Every problem is reported in one message.
 */
export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const present = Object.fromEntries(
    Object.entries(env).filter(([, v]) => v !== undefined && v !== ''),
  );
  const parsed = envSchema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ScoutError('config_invalid', `Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const extractor =
    parsed.data.SCOUT_EXTRACTOR ?? (parsed.data.SCOUT_REPLAY_FILE ? 'replay' : 'anthropic');
  return Object.freeze({ ...parsed.data, extractor });
}

export type Requirement = 'database' | 'extractor' | 'crm';

/** Checks the settings one command needs, listing every missing one at once. */
export function requireSettings(config: Config, needs: readonly Requirement[]): void {
  const problems: string[] = [];
  if (needs.includes('database') && !config.DATABASE_URL) {
    problems.push('DATABASE_URL is not set (for example postgres://127.0.0.1:5432/scout)');
  }
  if (needs.includes('extractor')) {
    if (config.extractor === 'replay' && !config.SCOUT_REPLAY_FILE)
      problems.push('SCOUT_EXTRACTOR=replay needs SCOUT_REPLAY_FILE');
    if (config.extractor === 'anthropic' && !config.ANTHROPIC_API_KEY) {
      problems.push(
        'ANTHROPIC_API_KEY is not set (or set SCOUT_EXTRACTOR=replay and SCOUT_REPLAY_FILE to replay recorded findings)',
      );
    }
  }
  if (needs.includes('crm') && config.SCOUT_CRM === 'hubspot' && !config.HUBSPOT_ACCESS_TOKEN) {
    problems.push('SCOUT_CRM=hubspot needs HUBSPOT_ACCESS_TOKEN');
  }
  if (needs.includes('crm') && config.SCOUT_CRM === 'salesforce') {
    const jwt = [
      config.SALESFORCE_CLIENT_ID,
      config.SALESFORCE_USERNAME,
      config.SALESFORCE_PRIVATE_KEY_FILE,
    ];
    const direct = config.SALESFORCE_INSTANCE_URL && config.SALESFORCE_ACCESS_TOKEN;
    if (!direct && !jwt.every(Boolean))
      problems.push(
        'SCOUT_CRM=salesforce needs SALESFORCE_CLIENT_ID, SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY_FILE (JWT bearer flow), or SALESFORCE_INSTANCE_URL and SALESFORCE_ACCESS_TOKEN',
      );
  }
  if (problems.length > 0)
    throw new ScoutError('config_invalid', `Invalid configuration:\n  ${problems.join('\n  ')}`);
}
