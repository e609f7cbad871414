import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createLocalCrm } from '../src/crm/local-crm.js';
import { createBullJobs } from '../src/jobs/bullmq-jobs.js';
import { jobId } from '../src/services/job-ids.js';
import { editModal } from '../src/slack/blocks/edit-modal.js';
import { scout } from '../test/support/cli.js';
import { freePort } from '../test/support/redis-server.js';
import { type ScoutProcess, startScoutProcess } from '../test/support/scout-process.js';
import { clickPayload, editSubmission, SIGNING_SECRET } from '../test/support/slack-harness.js';
import { payloadBody, slackHeaders } from '../test/support/slack-signing.js';
import { type SlackStandIn, startSlackStandIn } from '../test/support/slack-stand-in.js';
import { buildForSpawnedProcesses } from '../test/support/spawn-build.js';
import { createTestDatabase, type TestDatabase } from '../test/support/test-database.js';
import { testNotifier, uniquePrefix, until } from '../test/support/worker-harness.js';
import { cpuSeconds } from './cpu-seconds.js';

/** The notifier's own pace per channel (src/slack/notifier.ts), which `scout worker` posts at. */
const WORKER_PACE_MS = 1100;
const OWNERS = 20;
const RUN_DEALS = 100;

/** `scout serve` and `scout worker` as production runs them, with Slack and the load here. */
interface Deployment {
  readonly database: TestDatabase;
  readonly slack: SlackStandIn;
  readonly serve: ScoutProcess;
  readonly worker: ScoutProcess;
  readonly port: number;
  readonly env: Record<string, string>;
}

export interface Latencies {
  readonly rate: number;
  readonly clicks: number;
  /** Answers other than 200 by status (0: no answer), e.g. `503×2`; empty when there were none. */
  readonly failed: string;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly serveCpuMs: number;
  readonly workerCpuMs: number;
  /** At the last answer: approved or edited cards the worker had not applied yet. */
  readonly appliesQueued: number;
  /** At the last answer: decided cards not yet drawn at their version. */
  readonly notRedrawn: number;
}

export interface WorkerPosting {
  readonly runId: string;
  readonly cards: number;
  readonly owners: number;
  readonly paceMs: number;
  readonly busiest: number;
  readonly floorMs: number;
  readonly tookMs: number;
}

/**
 * Starts the two processes on a fresh database seeded with `OWNERS` reps and `RUN_DEALS`
 * deals (one next-step finding each), runs `measure`, and stops everything whatever happens.
 */
export async function withDeployment<T>(measure: (d: Deployment) => Promise<T>): Promise<T> {
  buildForSpawnedProcesses();
  const database = await createTestDatabase();
  const slack = await startSlackStandIn();
  const started: ScoutProcess[] = [];
  try {
    const port = await freePort();
    const files = pipelineFiles(RUN_DEALS, OWNERS);
    const env = {
      DATABASE_URL: database.url,
      REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
      SCOUT_QUEUE_PREFIX: uniquePrefix(),
      ...files.env,
      LIVE_WRITES: '1',
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      SCOUT_OPS_CHANNEL: 'C0OPS',
    };
    for (const args of [
      ['crm', 'seed', files.seedPath],
      ['setup-fields', '--apply'],
    ]) {
      const r = await scout(args, env);
      if (r.code !== 0) throw new Error(`scout ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    }
    const [serve, worker] = await Promise.all([
      startScoutProcess('serve', { ...env, PORT: String(port) }),
      startScoutProcess('worker', env),
    ]);
    started.push(serve, worker);
    return await measure({ database, slack, serve, worker, port, env });
  } finally {
    for (const p of started) await stopWithin(p, STOP_MS);
    await slack.close();
    await database.destroy();
  }
}

/**
 * `serve` stops only once its queued card redraws are out, at Slack's Tier 3 pace: after
 * the 400/s rate that is minutes. The bench waits this long, then kills it and says so.
 */
const STOP_MS = 30_000;

async function stopWithin(p: ScoutProcess, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((r) => {
    timer = setTimeout(() => r('late'), ms);
  });
  const code = await Promise.race([p.stop(), late]);
  clearTimeout(timer);
  if (code === 'late') {
    console.error(`pid ${p.pid} had not stopped ${ms / 1000} s after SIGTERM: killed`);
    await p.kill();
  } else if (code !== 0) console.error(p.output());
}

/** `deals` deals dealt out among `owners` reps, each with one call note naming a next step. */
function pipelineFiles(deals: number, owners: number) {
  const users = Array.from({ length: owners }, (_, i) => ({
    id: `u${i + 1}`,
    name: `Rep ${i + 1}`,
    email: `rep${i + 1}@example.com`,
    slack_user_id: `U0REP${i + 1}`,
  }));
  const seed = {
    users,
    properties: [{ name: 'next_step', label: 'Next step', type: 'text' }],
    deals: Array.from({ length: deals }, (_, i) => ({
      id: `d${i}`,
      name: `Deal ${i}`,
      owner_id: `u${1 + (i % owners)}`,
      properties: {},
      notes: [
        {
          id: `d${i}n0`,
          type: 'call',
          created_at: '2026-11-18T15:00:00Z',
          body: `Call on deal ${i}. Next step: a pilot review, number ${i}.`,
        },
      ],
    })),
  };
  const replay = Object.fromEntries(
    seed.deals.map((d, i) => [
      d.id,
      [
        {
          field: 'next_step',
          value: `Pilot review ${i}`,
          note_id: `d${i}n0`,
          quote: `Next step: a pilot review, number ${i}.`,
          confidence: 0.8,
        },
      ],
    ]),
  );
  const dir = mkdtempSync(join(tmpdir(), 'scout-bench-slack-'));
  writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
  writeFileSync(join(dir, 'replay.json'), JSON.stringify(replay));
  return {
    seedPath: join(dir, 'seed.json'),
    env: { SCOUT_EXTRACTOR: 'replay', SCOUT_REPLAY_FILE: join(dir, 'replay.json') },
  };
}

/**
 * A live run queued as a schedule queues it: the worker runs it and posts its cards at
 * Slack's pace. Timed from the run's completion to the last message in an owner's DM.
 */
export async function postThroughWorker(d: Deployment): Promise<WorkerPosting> {
  const runId = `bench-run-${Date.now()}`;
  const jobs = await createBullJobs({
    redisUrl: d.env.REDIS_URL as string,
    prefix: d.env.SCOUT_QUEUE_PREFIX as string,
    logger: pino({ level: 'silent' }),
    dealConcurrency: 1,
  });
  try {
    await jobs.add('runs', [{ id: jobId('run', runId), data: { runId, apply: true } }]);
  } finally {
    await jobs.close(1_000);
  }
  const sql = d.database.sql;
  await until(
    async () =>
      (await sql`select summary_posted_at from runs where id = ${runId}`)[0]?.summary_posted_at !=
      null,
    'the run and its cards',
    300_000,
  );
  const [run] = await sql<[{ finished_ms: number; cards: number }]>`select
    (extract(epoch from finished_at) * 1000)::float8 as finished_ms,
    (select count(*)::int from proposals where run_id = ${runId} and slack_ts is not null) as cards
    from runs where id = ${runId}`;
  const inDms = d.slack.calls.filter(
    (c) => c.method === 'chat.postMessage' && String(c.args.channel).startsWith('D'),
  );
  const last = Math.max(...inDms.map((c) => c.at));
  // The busiest owner's DM: a thread parent and a card per deal, the first at once.
  const busiest = Math.ceil(RUN_DEALS / OWNERS) * 2;
  return {
    runId,
    cards: run.cards,
    owners: OWNERS,
    paceMs: WORKER_PACE_MS,
    busiest,
    floorMs: (busiest - 1) * WORKER_PACE_MS,
    tookMs: last - run.finished_ms,
  };
}

/** `count` pending next-step cards on deals of their own, posted to their owners' DMs at once. */
async function freshCards(d: Deployment, label: string, count: number) {
  const sql = d.database.sql;
  const runId = `bench-clicks-${label}`;
  await sql`insert into crm_deals (id, name, owner_id)
    select ${label} || '-' || g, 'Deal ' || ${label} || '-' || g, 'u' || (1 + g % ${OWNERS})
    from generate_series(1, ${count}) g`;
  await sql`insert into proposals (id, run_id, object, record_id, field, new_value, source_note_id, quote, confidence, model, dry_run, expires_at)
    select 'p-' || ${label} || '-' || g, ${runId}, 'deal', ${label} || '-' || g, 'next_step',
      to_jsonb('Step ' || g), 'n1', 'a quote', 0.8, 'replay', false, now() + interval '1 day'
    from generate_series(1, ${count}) g`;
  await testNotifier({
    database: d.database,
    crm: createLocalCrm(d.database.db),
    slack: d.slack,
  }).postProposals(runId);
  return runId;
}

/** A run's posted cards, each with its owner's Slack id (who clicks it). */
async function cardsOf(d: Deployment, runId: string) {
  const rows = await d.database.sql`select p.*, u.slack_user_id as owner from proposals p
    join crm_deals d on d.id = p.record_id join crm_users u on u.id = d.owner_id
    where p.run_id = ${runId} order by p.id`;
  return rows.map((r) => ({ ...r }) as Record<string, unknown>);
}

/** Decided cards whose change still waits for the worker, and cards not drawn at their version. */
async function backlog(d: Deployment, runId: string) {
  const [row] = await d.database.sql<[{ applies: number; redraws: number }]>`select
    count(*) filter (where status in ('approved', 'edited'))::int as applies,
    count(*) filter (where status <> 'pending' and card_version is distinct from version)::int as redraws
    from proposals where run_id = ${runId}`;
  return row;
}

/**
 * Two seconds of the mix at 50/s on the run's cards, not measured: `serve` has been idle
 * since it started, and its first clicks pay for compiling the click path.
 */
export async function warmUp(d: Deployment, runId: string): Promise<void> {
  await openLoop(d.port, 50, 100, clickMix(await cardsOf(d, runId)));
  await until(async () => {
    const { applies, redraws } = await backlog(d, runId);
    return applies === 0 && redraws === 0;
  }, 'the warm-up clicks applied and redrawn');
}

/**
 * Click `i` of an open loop: every tenth decides a card for the first time (approve,
 * reject and an Edit… submission in turn); the rest repeat clicks on cards decided earlier,
 * as double clicks and Slack's retries do.
 */
function clickMix(cards: ReadonlyArray<Record<string, unknown>>) {
  return (i: number): Record<string, unknown> => {
    const first = i % 10 === 0;
    const index = first ? i / 10 : Math.floor(Math.random() * Math.max(1, i / 10));
    const card = cards[index];
    if (!card) throw new Error(`no card ${index}`);
    const owner = card.owner as string;
    if (!first) return clickPayload(i % 2 ? 'scout_approve' : 'scout_reject', card, owner);
    switch (index % 3) {
      case 0:
        return clickPayload('scout_approve', card, owner);
      case 1:
        return clickPayload('scout_reject', card, owner);
      default:
        return editSubmission(editedView(card), owner, `Edited step ${index}`);
    }
  };
}

/** The Edit… modal Scout would have opened for the card. */
function editedView(card: Record<string, unknown>) {
  return editModal({
    proposal: { id: card.id as string, version: card.version as number },
    dealName: card.record_id as string,
    fieldLabel: 'Next step',
    fieldType: 'text',
    maxLength: 300,
    quote: card.quote as string,
    proposedValue: card.new_value as string,
  });
}

/**
 * Open-loop clicks at `rate` for `seconds` on fresh cards. Each process's CPU seconds are
 * read from the first click to the last answer; what the clicks left queued behind Slack's
 * pace then is counted, and drains while the next rate runs.
 */
export async function clicksAt(d: Deployment, rate: number, seconds: number): Promise<Latencies> {
  const n = rate * seconds;
  const runId = await freshCards(d, `r${rate}`, Math.ceil(n / 10));
  const mix = clickMix(await cardsOf(d, runId));
  const cpu = () => [cpuSeconds(d.serve.pid), cpuSeconds(d.worker.pid)] as const;
  const before = cpu();
  const answers = await openLoop(d.port, rate, n, mix);
  const after = cpu();
  const queued = await backlog(d, runId);
  const ms = answers.filter((a) => a.status === 200).map((a) => a.ms);
  ms.sort((a, b) => a - b);
  const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))] ?? 0;
  return {
    rate,
    clicks: n,
    failed: tally(answers.filter((a) => a.status !== 200).map((a) => a.status)),
    p50: at(0.5),
    p99: at(0.99),
    max: ms.at(-1) ?? 0,
    appliesQueued: queued.applies,
    notRedrawn: queued.redraws,
    serveCpuMs: ((after[0] - before[0]) * 1000) / n,
    workerCpuMs: ((after[1] - before[1]) * 1000) / n,
  };
}

/** Sends request `i` at its due time (t0 + i/rate) whatever came before, and times it from then. */
async function openLoop(
  port: number,
  rate: number,
  n: number,
  payload: (i: number) => Record<string, unknown>,
): Promise<Array<{ status: number; ms: number }>> {
  const url = `http://127.0.0.1:${port}/slack/events`;
  const t0 = performance.now() + 50;
  const sent: Array<Promise<{ status: number; ms: number }>> = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const body = payloadBody(payload(i));
    sent.push(
      fetch(url, { method: 'POST', headers: slackHeaders(body, SIGNING_SECRET), body }).then(
        async (res) => {
          await res.arrayBuffer();
          return { status: res.status, ms: performance.now() - due };
        },
        () => ({ status: 0, ms: performance.now() - due }),
      ),
    );
  }
  return Promise.all(sent);
}

function tally(statuses: readonly number[]): string {
  const counts = new Map<number, number>();
  for (const s of statuses) counts.set(s, (counts.get(s) ?? 0) + 1);
  return [...counts].map(([status, n]) => `${status}×${n}`).join(' ');
}
