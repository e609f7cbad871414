// One of several processes registering the same schedules at boot, as workers do.
import { pino } from 'pino';
import { createBullJobs } from '../../src/jobs/bullmq-jobs.js';

const jobs = await createBullJobs({
  redisUrl: process.env.REDIS_URL as string,
  prefix: process.env.SCOUT_QUEUE_PREFIX as string,
  logger: pino({ level: 'silent' }),
  dealConcurrency: 1,
});
await jobs.upsertSchedules(
  [
    { id: 'nightly', cron: '0 2 * * *', timezone: 'Europe/Berlin', apply: true },
    { id: 'hourly', cron: '15 * * * *', timezone: 'UTC', apply: false, limit: 50 },
  ],
  10_000,
);
await jobs.close(1_000);
process.exit(0);
