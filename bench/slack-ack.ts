// Ack latency of signed block_actions requests on loopback, through the real Bolt app and
// HTTP server, one proposal per request (each click decides a different pending proposal).
import autocannon from 'autocannon';
import { createSlackHarness, OWNER, SIGNING_SECRET } from '../test/support/slack-harness.js';
import { payloadBody, slackHeaders } from '../test/support/slack-signing.js';
import { dropOwnTemplate } from '../test/support/test-database.js';
import { printTable } from './table.js';

// The first rate warms the process up (JIT, connection pool, Bolt's auth.test) and is not reported.
const RATES = [50, 50, 200];
const SECONDS = Number(process.env.BENCH_ACK_SECONDS ?? 10);

export async function benchSlackAck(): Promise<void> {
  const s = await createSlackHarness();
  const rows: string[][] = [];
  try {
    const template = (await s.proposals())[0];
    if (!template) throw new Error('no proposal to clone');
    for (const [round, rate] of RATES.entries()) {
      const n = rate * SECONDS + 100;
      // One fresh pending proposal per request, so every click is a real decision.
      await s.h.database.sql`
        insert into proposals (id, run_id, object, record_id, field, old_value, new_value, source_note_id, quote, confidence, model, dry_run, expires_at, owner_slack_id)
        select 'bench-' || ${round} || '-' || g, run_id, object, record_id, field, old_value, to_jsonb('v' || ${round} || '-' || g), source_note_id, quote, confidence, model, dry_run, expires_at, ${OWNER}
        from proposals, generate_series(1, ${n}) g where id = ${template.id as string}`;
      let i = 0;
      // Each round decides its own fresh proposals.
      const result = await autocannon({
        url: `http://127.0.0.1:${s.server.port}/slack/events`,
        method: 'POST',
        connections: 20,
        overallRate: rate,
        duration: SECONDS,
        requests: [
          {
            setupRequest: (req) => {
              i += 1;
              const body = payloadBody({
                type: 'block_actions',
                user: { id: OWNER, team_id: 'T0TEST' },
                api_app_id: 'A0SCOUT',
                team: { id: 'T0TEST' },
                trigger_id: `1.${i}`,
                channel: { id: 'D01ANA' },
                container: { type: 'message', message_ts: '1.1', channel_id: 'D01ANA' },
                actions: [
                  {
                    type: 'button',
                    action_id: 'scout_reject',
                    block_id: 'decide',
                    value: JSON.stringify({ p: `bench-${round}-${i}`, v: 1 }),
                    action_ts: `${i}`,
                  },
                ],
              });
              return { ...req, body, headers: slackHeaders(body, SIGNING_SECRET) };
            },
          },
        ],
      });
      await s.app.idle();
      if (round === 0) continue;
      rows.push([
        String(rate),
        String(result.requests.total),
        String(result.non2xx),
        String(result.latency.p50),
        String(result.latency.p99),
        String(result.latency.max),
      ]);
    }
  } finally {
    await s.close();
    await dropOwnTemplate();
  }
  console.log(
    `\nSlack ack latency (ms), signed block_actions on loopback, ${SECONDS} s per rate (target: p99 < 100 ms at 200/s)`,
  );
  printTable(['requests/s', 'requests', 'non-2xx', 'p50', 'p99', 'max'], rows);
}
