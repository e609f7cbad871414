import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBullJobs } from '../../src/jobs/bullmq-jobs.js';
import { createSlackHarness, OWNER, type SlackHarness } from '../support/slack-harness.js';
import { uniquePrefix, until } from '../support/worker-harness.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Issue 19: with REDIS_URL, the work after a click is handed to the queue. A card's redraw
 * is a `cards` job per proposal version, drawn by whichever process with a Slack notifier
 * takes it, so a `serve` busy answering clicks does not have to draw them itself.
 */
describe('card redraws are BullMQ jobs (shared Redis, own key prefix)', () => {
  let s: SlackHarness;
  let prefix: string;
  const connections: Redis[] = [];
  beforeEach(async () => {
    s = await createSlackHarness();
    prefix = uniquePrefix();
    const runId = (await s.h.database.sql`select run_id from proposals limit 1`)[0]
      ?.run_id as string;
    await s.app.notifier.postProposals(runId);
  });
  afterEach(async () => {
    await s.close();
    for (const c of connections.splice(0)) c.disconnect();
  });

  const bullJobs = () =>
    createBullJobs({
      redisUrl: REDIS_URL,
      prefix,
      logger: pino({ level: 'silent' }),
      dealConcurrency: 1,
    });
  const cardsQueue = () => {
    const connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    connections.push(connection);
    return new Queue('cards', { connection, prefix });
  };

  it('a serve that draws no cards hands its redraws to another process; repeat clicks make one job per version', async () => {
    const [card] = (await s.proposals()).filter((p) => p.field === 'closedate');
    const id = card?.id as string;
    const message = () => s.slack.messages.get(`${card?.slack_channel}/${card?.slack_ts}`);
    expect(message()?.updates).toBe(0);
    const taker = await s.anotherServe({ jobs: await bullJobs(), draws: false });
    await s.anotherServe({ jobs: await bullJobs() });

    const answers = await Promise.all(
      Array.from({ length: 10 }, () => taker.click('scout_reject', id, OWNER)),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(10).fill(200));
    await until(() => message()?.updates === 1, 'the card redrawn by the other process');
    const decided = await s.proposal(id);
    expect(decided).toMatchObject({ status: 'rejected', card_version: decided.version });
    expect(JSON.stringify(message()?.blocks)).not.toContain('scout_approve');

    const queue = cardsQueue();
    const state = async () =>
      (await queue.getJob(`card-${id}-${decided.version}`))?.getState() ?? 'missing';
    await until(async () => (await state()) === 'completed', 'the redraw job to complete');
    expect(await queue.getJobCounts('completed', 'failed', 'waiting', 'active')).toEqual({
      completed: 1,
      failed: 0,
      waiting: 0,
      active: 0,
    });
    // Nothing else was drawn later: one update for ten clicks.
    await taker.app.idle();
    expect(message()?.updates).toBe(1);
    expect(s.slack.calls.filter((c) => c.method === 'chat.update')).toHaveLength(1);
  });
});
