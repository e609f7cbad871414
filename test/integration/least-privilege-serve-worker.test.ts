import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppContext, openApp } from '../../src/app-context.js';
import { startServe } from '../../src/cli/serve-command.js';
import { startWorker } from '../../src/cli/worker-command.js';
import { loadConfig } from '../../src/config.js';
import { rowsOf } from '../../src/db/field-stats-query.js';
import { createJobSystem } from '../../src/jobs/create-job-system.js';
import { jobId } from '../../src/services/job-ids.js';
import { scout } from '../support/cli.js';
import { freePort } from '../support/redis-server.js';
import { createRuntimeRoleDatabase, type RuntimeRoleDatabase } from '../support/runtime-role.js';
import { EXAMPLE_REPLAY, EXAMPLE_SEED } from '../support/scout-env.js';
import { clickPayload, OWNER, SIGNING_SECRET, testPolicyPath } from '../support/slack-harness.js';
import { payloadBody, slackHeaders } from '../support/slack-signing.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import { uniquePrefix, until } from '../support/worker-harness.js';

/**
 * docs/guarantees.md#g21: `scout worker` and `scout serve`, composed as the CLI composes them, with the
 * DATABASE_URL of the granted runtime role: a queued run fans out and writes, a card's
 * Approve goes through the real Bolt app over signed HTTP, and the worker applies it.
 */
describe('least privilege: serve and worker under the runtime role', () => {
  let db: RuntimeRoleDatabase;
  let slack: SlackStandIn;
  const apps: AppContext[] = [];
  const stops: Array<() => Promise<unknown>> = [];
  let port: number;
  let config: ReturnType<typeof loadConfig>;
  const logs: string[] = [];

  beforeAll(async () => {
    db = await createRuntimeRoleDatabase();
    slack = await startSlackStandIn();
    port = await freePort();
    const env = {
      DATABASE_URL: db.runtimeUrl,
      REDIS_URL: 'redis://127.0.0.1:6379',
      SCOUT_QUEUE_PREFIX: uniquePrefix(),
      SCOUT_EXTRACTOR: 'replay',
      SCOUT_REPLAY_FILE: EXAMPLE_REPLAY,
      SCOUT_POLICY: testPolicyPath(),
      LIVE_WRITES: '1',
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      SCOUT_OPS_CHANNEL: 'C0OPS',
      PORT: String(port),
      SCOUT_RECONCILE_SECONDS: '0.2',
      LOG_LEVEL: 'silent',
    };
    for (const args of [
      ['crm', 'seed', EXAMPLE_SEED],
      ['setup-fields', '--apply'],
    ]) {
      const r = await scout(args, env);
      if (r.code !== 0) throw new Error(`scout ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    }
    config = loadConfig(env);
    // Errors and warnings of both processes, to see that no step was refused quietly.
    const logger = pino({ level: 'warn' }, { write: (line: string) => logs.push(line) });
    const workerApp = await openApp(config, logger);
    apps.push(workerApp);
    const worker = await startWorker(workerApp);
    stops.push(() => worker.runtime.stop(5_000));
    const serveApp = await openApp(config, logger);
    apps.push(serveApp);
    const serve = await startServe(serveApp);
    stops.push(() => serve.stop());
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    for (const app of apps) await app.close();
    await slack.close();
    await db.destroy();
  });

  it('runs as the runtime role, not the owner', async () => {
    for (const app of apps) {
      const rows = rowsOf(await app.database.db.execute(sql`select current_user as u`));
      expect(rows[0]?.u).toBe(db.role);
    }
  });

  it('a queued run fans out and writes; an Approve through Bolt is applied by the worker', async () => {
    const q = db.runtime.sql;
    const runId = randomUUID();
    const jobs = await createJobSystem(config, pino({ level: 'silent' }));
    try {
      await jobs.add('runs', [{ id: jobId('run', runId), data: { runId, apply: true } }]);
    } finally {
      await jobs.close();
    }
    await until(
      async () =>
        (await q`select summary_posted_at from runs where id = ${runId}`)[0]?.summary_posted_at !=
        null,
      'the worker run and its summary',
    );
    const [run] = await q`select status, scanned from runs where id = ${runId}`;
    expect(run).toMatchObject({ status: 'completed' });
    expect(
      (
        await q`select count(*)::int as n from provenance where run_id = ${runId} and action = 'written'`
      )[0]?.n,
    ).toBeGreaterThan(0);

    // The card the worker posted, clicked by its owner: signed HTTP into `scout serve`.
    await until(
      async () =>
        (await q`select slack_ts from proposals where run_id = ${runId} and field = 'closedate'`)[0]
          ?.slack_ts != null,
      'the close-date card',
    );
    const [p] = await q`select * from proposals where run_id = ${runId} and field = 'closedate'`;
    const body = payloadBody(clickPayload('scout_approve', { ...p }, OWNER));
    const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
      method: 'POST',
      headers: slackHeaders(body, SIGNING_SECRET),
      body,
    });
    expect(res.status).toBe(200);
    await until(
      async () =>
        (await q`select status from proposals where id = ${p?.id as string}`)[0]?.status ===
        'applied',
      'the apply by the worker',
    );
    const rows =
      await q`select action, actor from provenance where proposal_id = ${p?.id as string} order by id`;
    expect(rows.map((r) => r.action)).toEqual(['proposed', 'approved', 'applied']);
    expect(rows[1]?.actor).toBe(`slack:${OWNER}`);
    const [deal] =
      await q`select properties -> 'closedate' as v from crm_deals where id = ${p?.record_id as string}`;
    expect(deal?.v).toBe(p?.new_value);
    expect(slack.violations).toEqual([]);
    expect(logs.filter((l) => /permission denied|must be owner/.test(l))).toEqual([]);
  });

  it.each([
    ['UPDATE', `update provenance set reason = 'rewritten'`],
    ['DELETE', `delete from provenance`],
  ])('after all that, the runtime role still cannot %s the log', async (_name, statement) => {
    await expect(db.runtime.sql.unsafe(statement)).rejects.toThrow(/permission denied/);
    expect(
      (await db.owner.sql`select count(*)::int as n from provenance where reason = 'rewritten'`)[0]
        ?.n,
    ).toBe(0);
  });
});
