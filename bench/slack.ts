import { createSlackHarness, type SlackHarness } from '../test/support/slack-harness.js';
import { dropOwnTemplate } from '../test/support/test-database.js';
import { clicksAt, postThroughWorker, warmUp, withDeployment } from './slack-processes.js';
import { printTable } from './table.js';

/** Slack's real pace is about 1 s per channel; a shorter one keeps the ratio and the run short. */
const PACE_MS = Number(process.env.BENCH_SLACK_PACE_MS ?? 250);
/** BENCH_SLACK_RATES=50 BENCH_ACK_SECONDS=2 is a smoke run. */
const RATES = (process.env.BENCH_SLACK_RATES ?? '50,100,200,400').split(',').map(Number);
const SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 10);

export async function benchSlack(): Promise<void> {
  try {
    const posting = await benchPosting();
    const { worker, clicks } = await withDeployment(async (d) => {
      const worker = await postThroughWorker(d);
      await warmUp(d, worker.runId);
      const clicks = [];
      for (const rate of RATES) clicks.push(await clicksAt(d, rate, SECONDS));
      return { worker, clicks };
    });
    posting.push([
      `${worker.cards} / ${worker.owners}`,
      '`scout worker` after a run',
      String(worker.paceMs),
      String(worker.busiest),
      (worker.floorMs / 1000).toFixed(1),
      (worker.tookMs / 1000).toFixed(1),
      (worker.tookMs / worker.floorMs).toFixed(2),
    ]);
    console.log(
      `\nPosting a run's cards, one card per deal, each DM at its pace (Slack's: about 1 s; target ≤ 1.2 × the floor). Floor: the busiest DM's messages (a thread parent and a card per deal) at the pace, the first at once`,
    );
    printTable(
      ['cards / owners', 'posted by', 'pace ms', 'busiest DM msgs', 'floor s', 'took s', '× floor'],
      posting,
    );
    console.log(
      `\nSlack clicks into \`scout serve\`, applied by \`scout worker\` (separate processes, Redis, Postgres): open loop, ${SECONDS} s per rate, 90 % repeats on decided cards, 10 % first decisions (approve, reject, Edit… submission). ms from each request's due time (target p99 < 100 ms at 200/s); CPU ms per click of each process from the first click to the last answer. Slack's Tier 3 budget (50 chat.update a minute for the workspace, shared through Redis) holds card redraws back: the applies and redraws still queued at the last answer are in the last two columns`,
    );
    printTable(
      [
        'clicks/s',
        'clicks',
        'not 200',
        'p50',
        'p99',
        'max',
        'serve CPU ms/click',
        'worker CPU ms/click',
        'applies queued',
        'cards not redrawn',
      ],
      clicks.map((c) => [
        String(c.rate),
        String(c.clicks),
        c.failed || '0',
        c.p50.toFixed(1),
        c.p99.toFixed(1),
        c.max.toFixed(1),
        c.serveCpuMs.toFixed(2),
        c.workerCpuMs.toFixed(2),
        String(c.appliesQueued),
        String(c.notRedrawn),
      ]),
    );
  } finally {
    await dropOwnTemplate();
  }
}

/** `owners` CRM users with a Slack id each, `deals` deals dealt out among them, one pending card each. */
async function seedCards(s: SlackHarness, deals: number, owners: number): Promise<string> {
  const sql = s.h.database.sql;
  const runId = `bench-${deals}`;
  await sql`insert into crm_users (id, name, slack_user_id)
    select 'ub' || g, 'Rep ' || g, 'U0B' || g from generate_series(1, ${owners}) g
    on conflict do nothing`;
  await sql`insert into crm_deals (id, name, owner_id)
    select 'db-' || ${deals} || '-' || g, 'Deal ' || g, 'ub' || (1 + g % ${owners})
    from generate_series(1, ${deals}) g`;
  await sql`insert into proposals (id, run_id, object, record_id, field, new_value, source_note_id, quote, confidence, model, dry_run, expires_at)
    select 'pb-' || ${deals} || '-' || g, ${runId}, 'deal', 'db-' || ${deals} || '-' || g, 'next_step',
      to_jsonb('Step ' || g), 'n1', 'a quote', 0.8, 'replay', false, now() + interval '1 day'
    from generate_series(1, ${deals}) g`;
  return runId;
}

/** A run's cards posted by a notifier in this process at `PACE_MS`: the pacing alone, at scale. */
async function benchPosting(): Promise<string[][]> {
  const rows: string[][] = [];
  for (const [deals, owners] of [
    [100, 20],
    [1000, 50],
  ] as const) {
    const s = await createSlackHarness();
    try {
      const runId = await seedCards(s, deals, owners);
      const notifier = s.anotherNotifier({ minIntervalMs: PACE_MS });
      const started = performance.now();
      const { posted } = await notifier.postProposals(runId);
      const took = performance.now() - started;
      // The busiest owner's DM: a parent and a card per deal, the first at once.
      const busiest = Math.ceil(deals / owners) * 2;
      const floor = (busiest - 1) * PACE_MS;
      rows.push([
        `${posted} / ${owners}`,
        'notifier in the bench',
        String(PACE_MS),
        String(busiest),
        (floor / 1000).toFixed(1),
        (took / 1000).toFixed(1),
        (took / floor).toFixed(2),
      ]);
    } finally {
      await s.close();
    }
  }
  return rows;
}
