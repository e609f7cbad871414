import {
  clickPayload,
  createSlackHarness,
  SIGNING_SECRET,
  type SlackHarness,
} from '../test/support/slack-harness.js';
import { payloadBody, slackHeaders } from '../test/support/slack-signing.js';
import { dropOwnTemplate } from '../test/support/test-database.js';
import { printTable } from './table.js';

/** Slack's real pace is about 1 s per channel; a shorter one keeps the ratio and the run short. */
const PACE_MS = Number(process.env.BENCH_SLACK_PACE_MS ?? 250);
const RATES = [50, 100, 200, 400];
const SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 10);

export async function benchSlack(): Promise<void> {
  try {
    await benchPosting();
    await benchClicks();
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

async function benchPosting(): Promise<void> {
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
        `${deals} / ${owners}`,
        String(posted),
        String(busiest),
        (floor / 1000).toFixed(1),
        (took / 1000).toFixed(1),
        (took / floor).toFixed(2),
      ]);
    } finally {
      await s.close();
    }
  }
  console.log(
    `\nPosting a run's cards, each channel at ${PACE_MS} ms a message (Slack: about 1 s), one card per deal (target: ≤ 1.2 × the floor)`,
  );
  printTable(
    ['cards / owners', 'posted', 'busiest channel msgs', 'floor s', 'took s', '× floor'],
    rows,
  );
}

async function benchClicks(): Promise<void> {
  const s = await createSlackHarness();
  const rows: string[][] = [];
  try {
    for (const rate of RATES) {
      const n = rate * SECONDS;
      const fresh = Math.ceil(n / 10);
      const runId = await seedCards(s, fresh, 20);
      await s.app.notifier.postProposals(runId);
      const cards = (
        await s.h.database.sql`select * from proposals where run_id = ${runId} order by id`
      ).map((r) => ({ ...r }) as Record<string, unknown>);
      const owners = new Map(
        (
          await s.h.database
            .sql`select d.id, u.slack_user_id from crm_deals d join crm_users u on u.id = d.owner_id`
        ).map((r) => [r.id as string, r.slack_user_id as string]),
      );
      const before = process.cpuUsage();
      const latencies = await openLoop(s, rate, n, (i) => {
        // Every tenth click decides a card for the first time; the rest repeat decided ones.
        const card = cards[i % 10 === 0 ? i / 10 : Math.floor(Math.random() * Math.max(1, i / 10))];
        if (!card) throw new Error('no card');
        const action = i % 20 === 0 ? 'scout_reject' : 'scout_approve';
        return clickPayload(action, card, owners.get(card.record_id as string) ?? '');
      });
      await s.app.idle();
      const used = process.cpuUsage(before);
      latencies.sort((a, b) => a - b);
      const at = (q: number) =>
        latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
      rows.push([
        String(rate),
        String(latencies.length),
        at(0.5).toFixed(1),
        at(0.99).toFixed(1),
        (latencies.at(-1) ?? 0).toFixed(1),
        ((used.user + used.system) / 1e3 / n).toFixed(2),
      ]);
    }
  } finally {
    await s.close();
  }
  console.log(
    `\nSlack clicks, open loop, ${SECONDS} s per rate, 90 % repeats on decided cards (ms from each request's due time; target p99 < 100 ms at 200/s). CPU: serve with its inline applies and the load generator, one process`,
  );
  printTable(['clicks/s', 'clicks', 'p50', 'p99', 'max', 'CPU ms/click'], rows);
}

/** Sends click `i` at its due time (t0 + i/rate) whatever came before, and times it from then. */
async function openLoop(
  s: SlackHarness,
  rate: number,
  n: number,
  payload: (i: number) => Record<string, unknown>,
): Promise<number[]> {
  const url = `http://127.0.0.1:${s.server.port}/slack/events`;
  const t0 = performance.now() + 50;
  const sent: Array<Promise<number>> = [];
  for (let i = 0; i < n; i++) {
    const due = t0 + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const body = payloadBody(payload(i));
    sent.push(
      fetch(url, { method: 'POST', headers: slackHeaders(body, SIGNING_SECRET), body }).then(
        async (res) => {
          await res.arrayBuffer();
          if (res.status !== 200) throw new Error(`click answered ${res.status}`);
          return performance.now() - due;
        },
      ),
    );
  }
  return Promise.all(sent);
}
