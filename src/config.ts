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

type Group = 'Core' | 'CRM' | 'Model' | 'Slack' | 'Worker and runs' | 'Operations';

/**
 * Documents a setting where it is parsed: `docs/configuration.md` is generated from these
 * (`npm run docs:config`), and a test fails when the page and the schema disagree.
 */
const doc = <T extends z.ZodType>(schema: T, group: Group, description: string): T =>
  schema.meta({ group, description });

/** The one schema for Scout's environment (the interface contract). Parsed once, frozen, passed down. */
export const envSchema = z.object({
  DATABASE_URL: doc(
    url(['postgres', 'postgresql']).optional(),
    'Core',
    '`postgres://…`; required by every command except `policy check`',
  ),
  // Kept raw on purpose: only the exact string `1` opens the gate, anything else is reported.
  LIVE_WRITES: doc(
    z.string().optional(),
    'Core',
    'the standing write gate: exactly `1` opens it; anything else is a dry run',
  ),
  SCOUT_POLICY: doc(
    z.string().optional(),
    'Core',
    'path of the field policy (default: `policy/default.yml`)',
  ),
  LOG_LEVEL: doc(
    z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('warn'),
    'Core',
    'pino level, JSON to stderr (stdout is for command output); secrets are redacted',
  ),
  SCOUT_CRM: doc(
    z.enum(['local', 'hubspot', 'salesforce']).default('local'),
    'CRM',
    'which CRM Scout reads and writes: the local CRM in Postgres, HubSpot ([docs/hubspot.md](hubspot.md)) or Salesforce ([docs/salesforce.md](salesforce.md))',
  ),
  SCOUT_DEAL_URL: doc(
    url(['http', 'https'])
      .refine((u) => u.includes('{id}'), 'must contain {id} where the deal id goes')
      .optional(),
    'CRM',
    "a link to a deal in the CRM's own pages, `{id}` standing for the deal id (for HubSpot `https://app.hubspot.com/contacts/<portal id>/record/0-3/{id}`; EU portals use `app-eu1.hubspot.com`): cards and `/deal-summary` link the deal name there; unset, names are plain text",
  ),
  SCOUT_CURRENCY: doc(
    z
      .string()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code such as USD or EUR')
      .optional(),
    'CRM',
    "the currency of amounts where a deal does not name its own (HubSpot's `deal_currency_code`, Salesforce's `CurrencyIsoCode`): cards, summaries and `/deal-summary` show `$86,000` rather than `86,000`; the demo uses USD",
  ),
  HUBSPOT_ACCESS_TOKEN: doc(
    z.string().optional(),
    'CRM',
    "the private app's access token (`SCOUT_CRM=hubspot`); never logged, never stored",
  ),
  // Without trailing slashes: the request budget is keyed by it, and every process must agree.
  HUBSPOT_BASE_URL: doc(
    url(['http', 'https'])
      .default('https://api.hubapi.com')
      .transform((u) => u.replace(/\/+$/, '')),
    'CRM',
    'the HubSpot CRM API base (tests point it at a local stand-in)',
  ),
  // At least 2: an update holds its share while its compare read takes another.
  HUBSPOT_REQUESTS_PER_10S: doc(
    z.coerce.number().int().min(2).max(10_000).default(100),
    'CRM',
    'the HubSpot request budget per rolling 10 s (100 on Free and Starter, 190 on Professional and Enterprise). With `REDIS_URL` it is one budget for every process using the same token, Redis and `SCOUT_QUEUE_PREFIX`; without it, each process has its own',
  ),
  HUBSPOT_SEARCH_PER_SECOND: doc(
    z.coerce.number().int().min(1).max(100).default(4),
    'CRM',
    "HubSpot CRM search requests per rolling second (HubSpot's limit per token); a search also counts against `HUBSPOT_REQUESTS_PER_10S`",
  ),
  SALESFORCE_LOGIN_URL: doc(
    url(['http', 'https']).default('https://login.salesforce.com'),
    'CRM',
    'Salesforce login host of the JWT bearer flow (`https://test.salesforce.com` for a sandbox)',
  ),
  SALESFORCE_CLIENT_ID: doc(
    z.string().optional(),
    'CRM',
    "the connected app's consumer key (JWT bearer flow)",
  ),
  SALESFORCE_USERNAME: doc(
    z.string().optional(),
    'CRM',
    'the integration user Scout signs in as (JWT bearer flow)',
  ),
  SALESFORCE_PRIVATE_KEY_FILE: doc(
    z.string().optional(),
    'CRM',
    'PEM file of the private key whose certificate the connected app holds (JWT bearer flow)',
  ),
  SALESFORCE_INSTANCE_URL: doc(
    url(['http', 'https']).optional(),
    'CRM',
    "for development, with `SALESFORCE_ACCESS_TOKEN`: the org's instance URL",
  ),
  SALESFORCE_ACCESS_TOKEN: doc(
    z.string().optional(),
    'CRM',
    'for development, with `SALESFORCE_INSTANCE_URL`: a session id; never logged, never stored',
  ),
  SALESFORCE_API_RESERVE: doc(
    z.coerce.number().int().min(0).default(1000),
    'CRM',
    "requests of the org's daily API allocation a run leaves unused: it stops reading deals before the allocation falls under it",
  ),
  SCOUT_EXTRACTOR: doc(
    z.enum(['anthropic', 'replay']).optional(),
    'Model',
    '`anthropic` (Claude) or `replay`; defaults to `replay` when `SCOUT_REPLAY_FILE` is set, else `anthropic`',
  ),
  SCOUT_REPLAY_FILE: doc(
    z.string().optional(),
    'Model',
    'JSON mapping deal id → `findings` array (the `record_findings` tool input), replayed through the real pipeline',
  ),
  ANTHROPIC_API_KEY: doc(
    z.string().optional(),
    'Model',
    'required by the Claude extractor; never logged, never sent in a prompt',
  ),
  ANTHROPIC_BASE_URL: doc(
    url(['http', 'https']).optional(),
    'Model',
    "the Messages API base (default Anthropic's; tests point it at a local stand-in)",
  ),
  SCOUT_MODEL: doc(
    z.string().min(1).default('claude-sonnet-5-5'),
    'Model',
    'the extraction model (the current Sonnet: good extraction quality at $2/$10 per million tokens)',
  ),
  SCOUT_MODEL_MAX_RETRIES: doc(
    z.coerce.number().int().min(0).max(10).default(4),
    'Model',
    'retries of a failed model call (429, 529, 5xx, timeouts), with backoff honouring `retry-after`',
  ),
  SCOUT_EXTRACT_CONCURRENCY: doc(
    z.coerce.number().int().min(1).max(64).default(4),
    'Model',
    'deals extracted at once (model calls in flight)',
  ),
  SCOUT_BATCH_POLL_SECONDS: doc(
    z.coerce.number().min(0.01).max(3600).default(30),
    'Model',
    'first wait between Message Batch status polls, growing by half each poll up to five minutes',
  ),
  SCOUT_SCREEN_SECOND_OPINION: doc(
    z.enum(['0', '1']).default('0'),
    'Model',
    '`1` asks Claude (no tools, the quoted passage only) about each finding the `auto` lane would write ([docs/injection-screen.md](injection-screen.md))',
  ),
  SCOUT_SCREEN_MODEL: doc(
    z.string().min(1).default('claude-haiku-4-5'),
    'Model',
    "the second opinion's model: it answers one word, so a small model is enough",
  ),
  SLACK_BOT_TOKEN: doc(
    z.string().optional(),
    'Slack',
    "the Slack app's bot token; with it, runs post cards and summaries",
  ),
  SLACK_SIGNING_SECRET: doc(
    z.string().optional(),
    'Slack',
    "verifies that requests to `scout serve`'s `/slack/events` come from Slack",
  ),
  SLACK_APP_TOKEN: doc(
    z.string().optional(),
    'Slack',
    'an app-level `xapp-` token: `scout serve` uses Socket Mode instead of `/slack/events`',
  ),
  SLACK_API_URL: doc(
    url(['http', 'https']).optional(),
    'Slack',
    "the Web API base (default Slack's; tests point it at a local stand-in)",
  ),
  SCOUT_OPS_CHANNEL: doc(z.string().optional(), 'Slack', 'channel id for run summaries'),
  SCOUT_APPROVALS_CHANNEL: doc(
    z.string().optional(),
    'Slack',
    'channel id for cards whose deal owner is not found in Slack',
  ),
  SCOUT_UNDO_WINDOW_HOURS: doc(
    z.coerce.number().min(0).max(8760).default(24),
    'Slack',
    "how long after an approval the card's Undo button works (0 turns it off)",
  ),
  REDIS_URL: doc(
    url(['redis', 'rediss']).optional(),
    'Worker and runs',
    'BullMQ for `scout worker` and `scout serve`; unset means embedded mode (jobs inline, in-process). The Redis must use `maxmemory-policy noeviction`',
  ),
  SCOUT_SCHEDULES: doc(
    z.string().optional(),
    'Worker and runs',
    "YAML file of the worker's cron schedules (see `schedules.example.yml`); unset means none",
  ),
  SCOUT_QUEUE_PREFIX: doc(
    z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,40}$/, 'letters, digits, - and _ only (up to 40)')
      .default('scout'),
    'Worker and runs',
    "namespace of Scout's Redis keys, so several deployments (or tests) can share one Redis",
  ),
  SCOUT_WORKER_CONCURRENCY: doc(
    z.coerce.number().int().min(1).max(256).default(20),
    'Worker and runs',
    'deal jobs one worker process runs at once',
  ),
  SCOUT_APPLY_CONCURRENCY: doc(
    z.coerce
      .number()
      .int()
      .min(1)
      .max(
        dealLockSlots(DEFAULT_POOL_SIZE),
        `must be at most ${dealLockSlots(DEFAULT_POOL_SIZE)}: each apply holds one of the process's ${DEFAULT_POOL_SIZE} Postgres connections while it holds its deal's lock, and the rest serve the work itself`,
      )
      .default(4),
    'Worker and runs',
    `approved changes one process applies at once, on BullMQ and inline alike (at most ${dealLockSlots(DEFAULT_POOL_SIZE)}: each apply holds one of the process's ${DEFAULT_POOL_SIZE} Postgres connections while it holds its deal's lock; one deal's applies never overlap)`,
  ),
  SCOUT_DEALS_PER_SECOND: doc(
    z.coerce.number().int().min(1).max(10_000).optional(),
    'Worker and runs',
    "global cap on deal jobs started per second across every worker, to pace the model API; unset means none. HubSpot's API budget does not need it: every HubSpot request already waits for the shared request budget",
  ),
  SCOUT_JOB_LOCK_SECONDS: doc(
    z.coerce.number().min(0.2).max(600).default(30),
    'Worker and runs',
    "a job's lock: a worker that dies frees its jobs for another after about this long",
  ),
  SCOUT_RUN_LEASE_SECONDS: doc(
    z.coerce.number().min(0.3).max(60).default(30),
    'Worker and runs',
    "a run's lease, renewed every third of it while its process works; a run whose lease lapsed is marked `interrupted` ([crash recovery](crash-recovery.md)). At most a minute",
  ),
  SCOUT_RUN_PAGE_SIZE: doc(
    z.coerce.number().int().min(1).max(1000).default(200),
    'Worker and runs',
    "deals `scout run` reads, decides and commits at a time: each page's CRM writes and log rows commit together; smaller pages commit more often and hold less memory",
  ),
  SCOUT_RECONCILE_SECONDS: doc(
    z.coerce.number().min(0.05).max(3600).default(30),
    'Worker and runs',
    'how often the reconciler looks for lost work',
  ),
  SCOUT_RECONCILE_GRACE_SECONDS: doc(
    z.coerce.number().min(0).max(86_400).default(60),
    'Worker and runs',
    'how old work must be for the reconciler to count it as lost',
  ),
  SCOUT_SHUTDOWN_SECONDS: doc(
    z.coerce.number().min(0).max(3600).default(25),
    'Worker and runs',
    'how long SIGTERM waits for running jobs before cutting them off; another worker retries a job cut off once its lock (`SCOUT_JOB_LOCK_SECONDS`) lapses',
  ),
  PORT: doc(
    z.coerce.number().int().min(1).max(65_535).default(3000),
    'Operations',
    'HTTP port of `scout serve`',
  ),
  METRICS_PORT: doc(
    z.coerce.number().int().min(1).max(65_535).optional(),
    'Operations',
    "the worker's Prometheus `/metrics` and `/healthz` port (unset: none; `serve` always has `/metrics`)",
  ),
  SCOUT_HEARTBEAT_SECONDS: doc(
    z.coerce.number().min(0.05).max(3600).default(10),
    'Operations',
    "the worker's heartbeat job interval",
  ),
  SCOUT_HEARTBEAT_ALERT_SECONDS: doc(
    z.coerce.number().min(1).max(86_400).default(60),
    'Operations',
    'heartbeat silence after which ops are alerted in Slack',
  ),
  SCOUT_DASHBOARD_TOKEN: doc(
    z.string().min(16, 'must be at least 16 characters (it guards the ops dashboard)').optional(),
    'Operations',
    'turns on `/dashboard` on `serve`, which answers only with this token (at least 16 characters)',
  ),
  SCOUT_DIGEST_CRON: doc(
    z
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
    'Operations',
    'when the worker posts the weekly digest to `SCOUT_OPS_CHANNEL`, a cron in UTC (default Mondays 09:00, `0 9 * * 1`)',
  ),
  SCOUT_RETENTION_DAYS: doc(
    z.coerce.number().int().min(1).max(36_500).optional(),
    'Operations',
    'the age in days past which `scout purge` clears quotes, when `--older-than-days` is not given',
  ),
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
