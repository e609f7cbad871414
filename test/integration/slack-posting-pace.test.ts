import { afterEach, describe, expect, it } from 'vitest';
import { createSlackLimits, LimitedWebClient } from '../../src/slack/limited-client.js';
import { createSlackHarness, OWNER, type SlackHarness } from '../support/slack-harness.js';
import { startSlackStandIn } from '../support/slack-stand-in.js';

/**
 * Issue 19: a run's cards go to every owner's DM side by side, each channel at Slack's
 * pace (about one message per second, here `PACE_MS`), so posting takes about as long as
 * the busiest channel, not the sum of them all.
 */
const PACE_MS = 150;

/** Cards for more fields of a deal, as a run would have proposed them. */
async function moreProposals(s: SlackHarness, runId: string, deal: string, fields: string[]) {
  for (const field of fields)
    await s.h.database.sql`insert into proposals
      (id, run_id, object, record_id, field, new_value, source_note_id, quote, confidence, model, dry_run, expires_at)
      values (${`${deal}-${field}`}, ${runId}, 'deal', ${deal}, ${field}, ${JSON.stringify(`a ${field}`)}::jsonb,
        'n1', 'a quote', 0.8, 'replay', false, now() + interval '1 day')`;
}

describe('posting a run’s cards', () => {
  let s: SlackHarness | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('posts to different owners at once, each channel spaced at the pace, in order within a thread', async () => {
    s = await createSlackHarness();
    const [run] = await s.h.database.sql`select run_id from proposals limit 1`;
    const runId = run?.run_id as string;
    await moreProposals(s, runId, 'd1', ['metrics', 'decision_criteria']);
    await moreProposals(s, runId, 'd2', ['metrics', 'decision_criteria', 'champion']);
    const notifier = s.anotherNotifier({ minIntervalMs: PACE_MS });
    const posted = await notifier.postProposals(runId);
    expect(posted).toEqual({ posted: 7, unrouted: [] });

    const posts = s.slack.calls.filter((c) => c.method === 'chat.postMessage');
    const inChannel = (channel: string) => posts.filter((c) => c.args.channel === channel);
    const ana = inChannel('D01ANA');
    const ben = inChannel('D01BEN');
    // Ana owns the two deals of the run's own proposals and d1: two threads; Ben one.
    const parents = (channel: typeof posts) => channel.filter((c) => !c.args.thread_ts).length;
    expect([ana.length, parents(ana), ben.length, parents(ben)]).toEqual([6, 2, 4, 1]);
    for (const channel of [ana, ben]) {
      // A thread's parent comes first; never two posts in a channel closer than the pace.
      expect(channel[0]?.args.thread_ts).toBeUndefined();
      for (let i = 1; i < channel.length; i++)
        expect((channel[i]?.at ?? 0) - (channel[i - 1]?.at ?? 0)).toBeGreaterThanOrEqual(
          PACE_MS - 2,
        );
    }
    // Side by side: Ben's thread starts while Ana's channel waits out its pace after her first post.
    expect(posts.indexOf(ben[0] as (typeof posts)[number])).toBeLessThan(
      posts.indexOf(ana[1] as (typeof posts)[number]),
    );
    // One DM opened per owner, not per deal or card.
    const opened = s.slack.calls.filter((c) => c.method === 'conversations.open');
    expect(opened.map((c) => c.args.users).sort()).toEqual(['U01ANA', 'U01BEN']);
  });
});

describe('two `scout serve` processes behind one address', () => {
  let s: SlackHarness | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('take clicks for the same cards at once: one decision and one card update per proposal', async () => {
    s = await createSlackHarness();
    const [run] = await s.h.database.sql`select run_id from proposals limit 1`;
    await moreProposals(s, run?.run_id as string, 'd1', ['metrics', 'decision_criteria']);
    await s.app.notifier.postProposals(run?.run_id as string);
    const other = await s.anotherServe();
    const cards = await s.proposals();
    expect(cards.length).toBe(4);
    const updatesBefore = s.slack.calls.filter((c) => c.method === 'chat.update').length;
    const harness = s;
    // Each card rejected ten times through each process, all at once (a load balancer's spread).
    await Promise.all(
      cards.flatMap((p) =>
        Array.from({ length: 10 }, () => [
          harness.click('scout_reject', p.id as string, OWNER),
          other.click('scout_reject', p.id as string, OWNER),
        ]).flat(),
      ),
    );
    await s.app.idle();
    await other.app.idle();
    const rejected = await s.h.database
      .sql`select proposal_id, count(*)::int as n from provenance where action = 'rejected' group by proposal_id`;
    expect(rejected.map((r) => r.n)).toEqual(cards.map(() => 1));
    const updates = s.slack.calls.filter((c) => c.method === 'chat.update').slice(updatesBefore);
    const perCard = new Map<string, number>();
    for (const u of updates)
      perCard.set(String(u.args.ts), (perCard.get(String(u.args.ts)) ?? 0) + 1);
    expect([...perCard.values()]).toEqual(cards.map(() => 1));
    expect(
      s.slack.ephemerals.filter((e) => e.user === OWNER && e.text.startsWith('Already decided')),
    ).toHaveLength(cards.length * 2);
  });
});

describe('a 429 from Slack', () => {
  it('pauses every call of the client for its Retry-After, not just the call that got it', async () => {
    const slack = await startSlackStandIn();
    try {
      const client = new LimitedWebClient(slack.token, createSlackLimits(), {
        slackApiUrl: `${slack.url}/`,
      });
      slack.faults.set('chat.postMessage', [{ status: 429, retryAfter: 1 }]);
      const first = client.chat.postMessage({ channel: 'D01ANA', text: 'one' });
      // The others start once the first has been refused, as a busy notifier's would.
      while (!slack.calls.some((c) => c.method === 'chat.postMessage')) await tick();
      await tick(50);
      await Promise.all([
        first,
        client.chat.postMessage({ channel: 'D01BEN', text: 'two' }),
        client.conversations.open({ users: 'U01ANA' }),
      ]);
      const refused = slack.calls[0]?.at ?? 0;
      const later = slack.calls.slice(1);
      expect(later.map((c) => c.method).sort()).toEqual([
        'chat.postMessage',
        'chat.postMessage',
        'conversations.open',
      ]);
      for (const c of later) expect(c.at - refused).toBeGreaterThanOrEqual(950);
    } finally {
      await slack.close();
    }
  });
});

const tick = (ms = 5) => new Promise((r) => setTimeout(r, ms));
