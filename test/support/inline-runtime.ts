import { WebClient } from '@slack/web-api';
import { pino } from 'pino';
import { createStores } from '../../src/app-context.js';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import type { Database } from '../../src/db/client.js';
import { createProposalStore } from '../../src/db/proposal-store.js';
import { createRunDigestReader } from '../../src/db/run-digest-query.js';
import { createRunLedger } from '../../src/db/run-ledger.js';
import type { Policy } from '../../src/domain/policy.js';
import { DEFAULT_TIMINGS } from '../../src/jobs/background-work.js';
import { createInlineJobs } from '../../src/jobs/inline-jobs.js';
import { type Runtime, startRuntime } from '../../src/jobs/runtime.js';
import type { JobSystem } from '../../src/services/ports/job-system.js';
import { createNotifier } from '../../src/slack/notifier.js';

export interface ServeRuntimeOptions {
  database: Database;
  policy: Policy;
  liveWrites: string | undefined;
  slack: { token: string; url: string };
  jobs?: JobSystem;
  draws?: boolean;
}

/**
 * What `scout serve` runs without REDIS_URL: applies in-process, posting to the Slack
 * stand-in. With `jobs` (BullMQ), what it runs with REDIS_URL; `draws: false` leaves out
 * its notifier, so it draws no cards and only queues them for other processes.
 */
export function startInlineServeRuntime(input: ServeRuntimeOptions): Promise<Runtime> {
  const { db } = input.database;
  const logger = pino({ level: 'silent' });
  const crm = createLocalCrm(db);
  return startRuntime({
    role: 'serve',
    jobs: input.jobs ?? createInlineJobs({ logger, dealConcurrency: 4, retryDelayMs: 10 }),
    database: input.database,
    crm,
    ledger: createRunLedger(db),
    stores: createStores(db),
    policy: input.policy,
    liveWrites: input.liveWrites,
    notifier:
      input.draws === false
        ? null
        : createNotifier({
            client: new WebClient(input.slack.token, {
              slackApiUrl: `${input.slack.url.replace(/\/$/, '')}/`,
              retryConfig: { retries: 0 },
            }),
            proposals: createProposalStore(db),
            runDigest: createRunDigestReader(db),
            crm,
            policy: input.policy,
            logger,
            opsChannel: 'C0OPS',
            minIntervalMs: 0,
          }),
    logger,
    clock: () => new Date(),
    newId: () => crypto.randomUUID(),
    timings: { ...DEFAULT_TIMINGS, reconcileMs: 3_600_000 },
  });
}
