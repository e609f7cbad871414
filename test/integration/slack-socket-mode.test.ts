import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createControlStore } from '../../src/db/control-store.js';
import { createProposalStore } from '../../src/db/proposal-store.js';
import type { Runtime } from '../../src/jobs/runtime.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import { startInlineServeRuntime } from '../support/inline-runtime.js';
import { createHarness, type ScoutHarness } from '../support/scout-env.js';
import { OWNER, SIGNING_SECRET, testPolicyPath } from '../support/slack-harness.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';

async function until(check: () => Promise<boolean> | boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('Socket Mode (SLACK_APP_TOKEN): the same listeners over a WebSocket', () => {
  let h: ScoutHarness;
  let slack: SlackStandIn;
  let wss: WebSocketServer;
  let socket: WebSocket | undefined;
  let app: SlackApp;
  let runtime: Runtime;
  const received: Array<{ envelope_id?: string }> = [];
  beforeEach(async () => {
    const policyPath = testPolicyPath();
    h = await createHarness();
    await h.ok(['run', '--apply'], { SCOUT_POLICY: policyPath, LIVE_WRITES: '1' });
    slack = await startSlackStandIn();
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    slack.socketUrl = `ws://127.0.0.1:${(wss.address() as AddressInfo).port}/`;
    wss.on('connection', (ws) => {
      socket = ws;
      ws.on('message', (data) => received.push(JSON.parse(String(data))));
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'local', build_number: 1, approximate_connection_time: 18060 },
          connection_info: { app_id: 'A0SCOUT' },
        }),
      );
    });
    const db = h.database.db;
    const policy = loadPolicyFile(policyPath);
    runtime = await startInlineServeRuntime({
      database: h.database,
      policy,
      liveWrites: '1',
      slack,
    });
    app = createSlackApp({
      applies: runtime,
      signingSecret: SIGNING_SECRET,
      botToken: slack.token,
      appToken: slack.appToken,
      apiUrl: slack.url,
      crm: createLocalCrm(db),
      proposals: createProposalStore(db),
      control: createControlStore(db),
      policy,
      liveWrites: '1',
      clock: () => new Date(),
      logger: pino({ level: 'silent' }),
      minPostIntervalMs: 0,
    });
    await app.start();
    await until(() => socket !== undefined);
  });
  afterEach(async () => {
    await app.stop();
    await runtime.stop(5_000);
    await new Promise((r) => wss.close(r));
    await slack.close();
    await h.database.destroy();
  });

  it('an Approve envelope is acked, decided once, and a redelivery changes nothing', async () => {
    const runId = (await h.database.sql`select run_id from proposals limit 1`)[0]?.run_id as string;
    await app.notifier.postProposals(runId);
    const p = (
      await h.database
        .sql`select id, version, slack_channel, slack_ts from proposals where field = 'closedate'`
    )[0];
    const envelope = {
      envelope_id: 'env-1',
      type: 'interactive',
      accepts_response_payload: false,
      payload: {
        type: 'block_actions',
        user: { id: OWNER, team_id: 'T0TEST' },
        api_app_id: 'A0SCOUT',
        team: { id: 'T0TEST' },
        trigger_id: '1.2.3',
        channel: { id: p?.slack_channel },
        container: { type: 'message', message_ts: p?.slack_ts, channel_id: p?.slack_channel },
        actions: [
          {
            type: 'button',
            action_id: 'scout_approve',
            block_id: 'decide',
            value: JSON.stringify({ p: p?.id, v: p?.version }),
            action_ts: '1.1',
          },
        ],
      },
    };
    socket?.send(JSON.stringify(envelope));
    await until(() => received.some((m) => m.envelope_id === 'env-1'));
    await until(
      async () =>
        (await h.database.sql`select status from proposals where id = ${p?.id as string}`)[0]
          ?.status === 'applied',
    );
    socket?.send(JSON.stringify({ ...envelope, retry_attempt: 1, retry_reason: 'timeout' }));
    await until(() => received.filter((m) => m.envelope_id === 'env-1').length === 2);
    await app.idle();
    const rows = await h.database
      .sql`select action from provenance where proposal_id = ${p?.id as string} order by id`;
    expect(rows.map((r) => r.action)).toEqual(['proposed', 'approved', 'applied']);
    expect(
      (
        (
          await h.database.sql`select properties -> 'closedate' as v from crm_deals where id = 'd1'`
        )[0] as { v: unknown }
      ).v,
    ).toBe('2027-01-31');
    expect(slack.calls.some((c) => c.method === 'apps.connections.open')).toBe(true);
  });
});
