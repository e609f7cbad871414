import { afterEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { freePort } from '../support/redis-server.js';
import { createHarness, type ScoutHarness } from '../support/scout-env.js';
import { type ScoutProcess, startScoutProcess } from '../support/scout-process.js';
import {
  APPROVER,
  type CardAction,
  clickPayload,
  SIGNING_SECRET,
  testPolicyPath,
} from '../support/slack-harness.js';
import { payloadBody, slackHeaders } from '../support/slack-signing.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import { insertProposal, testNotifier, uniquePrefix, until } from '../support/worker-harness.js';

/** Each card is clicked this many times with each button, through each process. */
const CLICKS_PER_BUTTON = 3;
/** Cards beyond the run's own two, on fields the example run leaves alone. */
const MORE_CARDS = [
  ['d1', 'metrics'],
  ['d1', 'decision_criteria'],
  ['d2', 'metrics'],
  ['d2', 'champion'],
  ['d3', 'decision_process'],
] as const;

/**
 * Issue 19, part 4: two `scout serve` OS processes behind one address share nothing but
 * Postgres and Redis. Clicks for the same cards reach both at once, as a load balancer
 * spreads Slack's retries and people's double clicks.
 */
describe('two `scout serve` processes (issue 19, the two-process test)', () => {
  let h: ScoutHarness | undefined;
  let slack: SlackStandIn | undefined;
  const processes: ScoutProcess[] = [];
  afterEach(async () => {
    // A failed assertion leaves them running: nothing may outlive the test.
    for (const p of processes.splice(0)) await p.kill();
    await slack?.close();
    await h?.database.destroy();
    h = undefined;
    slack = undefined;
  });

  it('take Approve and Reject for the same cards at once: one decision and one card update per proposal', async () => {
    h = await createHarness();
    slack = await startSlackStandIn();
    const policy = testPolicyPath();
    await h.ok(['run', '--apply'], { SCOUT_POLICY: policy, LIVE_WRITES: '1' });
    const [run] = await h.database.sql`select run_id from proposals limit 1`;
    const runId = run?.run_id as string;
    for (const [dealId, field] of MORE_CARDS)
      await insertProposal(h.database, { dealId, field, newValue: `a ${field}`, runId });
    const crm = createLocalCrm(h.database.db);
    await testNotifier({ database: h.database, crm, slack }).postProposals(runId);
    const cards = (await h.database.sql`select * from proposals order by id`).map((r) => ({
      ...r,
    }));
    expect(cards).toHaveLength(2 + MORE_CARDS.length);
    expect(cards.every((c) => c.status === 'pending' && c.slack_ts)).toBe(true);

    const env = {
      DATABASE_URL: h.database.url,
      REDIS_URL: 'redis://127.0.0.1:6379',
      SCOUT_QUEUE_PREFIX: uniquePrefix(),
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      SCOUT_POLICY: policy,
      LIVE_WRITES: '1',
    };
    const ports = [await freePort(), await freePort()];
    processes.push(
      ...(await Promise.all(
        ports.map((port) => startScoutProcess('serve', { ...env, PORT: String(port) })),
      )),
    );
    const updatesBefore = slack.calls.filter((c) => c.method === 'chat.update').length;

    // Every click of every card at once, spread over both processes.
    const click = async (port: number, action: CardAction, card: Record<string, unknown>) => {
      const body = payloadBody(clickPayload(action, card, APPROVER));
      const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
        method: 'POST',
        headers: slackHeaders(body, SIGNING_SECRET),
        body,
      });
      await res.arrayBuffer();
      return res.status;
    };
    const statuses = await Promise.all(
      cards.flatMap((card) =>
        ports.flatMap((port) =>
          (['scout_approve', 'scout_reject'] as const).flatMap((action) =>
            Array.from({ length: CLICKS_PER_BUTTON }, () => click(port, action, card)),
          ),
        ),
      ),
    );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const standIn = slack;
    const updatedCards = () =>
      new Set(
        standIn.calls
          .filter((c) => c.method === 'chat.update')
          .slice(updatesBefore)
          .map((c) => `${c.args.channel}/${c.args.ts}`),
      );
    const db = h.database.sql;
    await until(
      async () =>
        updatedCards().size === cards.length &&
        (await db`select count(*)::int as n from proposals where status = 'pending'`)[0]?.n === 0,
      'every card decided and redrawn',
    );
    // A process that stops in order finishes its work first: after this nothing more arrives.
    expect(await Promise.all(processes.splice(0).map((p) => p.stop()))).toEqual([0, 0]);

    const decided = await db`select id, status, decided_by from proposals order by id`;
    const logged = await db`select proposal_id, action from provenance
      where action in ('approved', 'rejected') order by proposal_id`;
    expect(logged.map((r) => [r.proposal_id, r.action])).toEqual(
      decided.map((r) => [r.id, r.status]),
    );
    expect(decided.every((r) => r.decided_by === APPROVER)).toBe(true);

    const updates = slack.calls.filter((c) => c.method === 'chat.update').slice(updatesBefore);
    const perCard = new Map<string, number>();
    for (const u of updates) {
      const key = `${u.args.channel}/${u.args.ts}`;
      perCard.set(key, (perCard.get(key) ?? 0) + 1);
    }
    expect(cards.map((c) => perCard.get(`${c.slack_channel}/${c.slack_ts}`) ?? 0).sort()).toEqual(
      cards.map(() => 1),
    );
    expect(slack.violations).toEqual([]);
  }, 60_000);
});
