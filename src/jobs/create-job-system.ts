import { redactUrl } from '../app-context.js';
import type { Config } from '../config.js';
import { ScoutError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { JobSystem } from '../services/ports/job-system.js';
import { createBullJobs } from './bullmq-jobs.js';
import { createInlineJobs } from './inline-jobs.js';

/** BullMQ when REDIS_URL is set; otherwise the inline runner (embedded mode), announced in the log. */
export async function createJobSystem(config: Config, logger: Logger): Promise<JobSystem> {
  if (!config.REDIS_URL)
    return createInlineJobs({
      logger,
      dealConcurrency: config.SCOUT_WORKER_CONCURRENCY,
      applyConcurrency: config.SCOUT_APPLY_CONCURRENCY,
    });
  try {
    return await createBullJobs({
      redisUrl: config.REDIS_URL,
      prefix: config.SCOUT_QUEUE_PREFIX,
      logger,
      dealConcurrency: config.SCOUT_WORKER_CONCURRENCY,
      applyConcurrency: config.SCOUT_APPLY_CONCURRENCY,
      lockMs: config.SCOUT_JOB_LOCK_SECONDS * 1000,
      ...(config.SCOUT_DEALS_PER_SECOND ? { dealsPerSecond: config.SCOUT_DEALS_PER_SECOND } : {}),
    });
  } catch (error) {
    if (error instanceof ScoutError) throw error;
    throw new ScoutError(
      'redis_unavailable',
      `Cannot reach Redis at ${redactUrl(config.REDIS_URL)}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
