import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createControlStore } from '../../src/db/control-store.js';
import { createProposalStore } from '../../src/db/proposal-store.js';
import type { Runtime } from '../../src/jobs/runtime.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import { hostileSlackShapes } from '../support/hostile-slack.js';
import { startInlineServeRuntime } from '../support/inline-runtime.js';
import { createHarness, type ScoutHarness } from '../support/scout-env.js';
import { OPS, OWNER, SIGNING_SECRET, testPolicyPath } from '../support/slack-harness.js';
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
  /** The app's log at warn and above, to see refusals and errors. */
  const logs: Array<{ level: number; msg: string; reason?: string }> = [];
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);
  beforeEach(async () => {
    received.length = 0;
    logs.length = 0;
    unhandled.length = 0;
    process.on('unhandledRejection', onUnhandled);
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
      jobs: runtime,
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
      logger: pino({ level: 'warn' }, { write: (line: string) => logs.push(JSON.parse(line)) }),
      minPostIntervalMs: 0,
    });
    await app.start();
    await until(() => socket !== undefined);
  });
  afterEach(async () => {
    process.off('unhandledRejection', onUnhandled);
    await app.stop();
    await runtime.stop(5_000);
    await new Promise((r) => wss.close(r));
    await slack.close();
    await h.database.destroy();
  });

  /** The cards posted, and an Approve envelope for the close-date card as Slack sends it. */
  async function approveEnvelope(envelopeId: string) {
    const runId = (await h.database.sql`select run_id from proposals limit 1`)[0]?.run_id as string;
    await app.notifier.postProposals(runId);
    const p = (
      await h.database
        .sql`select id, version, slack_channel, slack_ts from proposals where field = 'closedate'`
    )[0];
    const envelope = {
      envelope_id: envelopeId,
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
    return { p, envelope };
  }

  it('an Approve envelope is acked, decided once, and a redelivery changes nothing', async () => {
    const { p, envelope } = await approveEnvelope('env-1');
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

  it('hostile frames and envelopes are refused and logged, never fatal, change nothing, and Approve still works', async () => {
    const { p, envelope } = await approveEnvelope('env-ok');
    const action = envelope.payload.actions[0];
    const click = (over: Record<string, unknown>) => ({ ...envelope.payload, ...over });
    const state = async () =>
      (
        await h.database.sql`select
          (select count(*)::int from provenance) as log,
          (select string_agg(id || status || version, ',' order by id) from proposals) as proposals,
          (select count(*)::int from control where key = 'paused' and value = 'true'::jsonb) as paused`
      )[0];
    const before = await state();
    // frame (as sent on the WebSocket), refused?, acknowledged (nothing handles it)?
    const frames: Array<[string, string | Buffer, 'refused' | 'acked']> = [
      ['null', 'null', 'refused'],
      ['an array', '[{"type":"interactive"}]', 'refused'],
      ['a string', '"hello"', 'refused'],
      ['a number', '42', 'refused'],
      ['not JSON', '{"type":', 'refused'],
      ['an empty object', '{}', 'refused'],
      ['a type named constructor', '{"type":"constructor","envelope_id":"h-ctor"}', 'refused'],
      ['a type named __proto__', '{"type":"__proto__","envelope_id":"h-proto"}', 'refused'],
      ['an error frame', '{"type":"error","envelope_id":"h-error"}', 'refused'],
      ['a newListener frame', '{"type":"newListener","envelope_id":"h-nl"}', 'refused'],
      ['binary', Buffer.from([0, 1, 2, 3]), 'refused'],
      ...(
        [
          ['interactive, payload null', { type: 'interactive', envelope_id: 'h1', payload: null }],
          ['events_api, payload null', { type: 'events_api', envelope_id: 'h2', payload: null }],
          [
            'events_api, payload without event',
            { type: 'events_api', envelope_id: 'h3', payload: {} },
          ],
          [
            'slash_commands, payload an array',
            { type: 'slash_commands', envelope_id: 'h4', payload: [1] },
          ],
          [
            'interactive, payload a string',
            { type: 'interactive', envelope_id: 'h5', payload: 'x' },
          ],
          ['no envelope id', { type: 'interactive', payload: envelope.payload }],
          [
            'user id constructor',
            {
              type: 'interactive',
              envelope_id: 'h6',
              payload: click({ user: { id: 'constructor' } }),
            },
          ],
          [
            'team id constructor',
            {
              type: 'interactive',
              envelope_id: 'h7',
              payload: click({ user: { id: OWNER, team_id: 'constructor' } }),
            },
          ],
          [
            'actions null',
            { type: 'interactive', envelope_id: 'h8', payload: click({ actions: null }) },
          ],
          [
            'an action that is not an object',
            { type: 'interactive', envelope_id: 'h9', payload: click({ actions: [null] }) },
          ],
          [
            'a huge value',
            {
              type: 'interactive',
              envelope_id: 'h10',
              payload: click({ actions: [{ ...action, value: 'x'.repeat(300_000) }] }),
            },
          ],
          [
            'an interactive envelope carrying an event',
            {
              type: 'interactive',
              envelope_id: 'h11',
              payload: {
                type: 'event_callback',
                team_id: 'T0TEST',
                event: { type: 'app_home_opened' },
              },
            },
          ],
          [
            'an interactive envelope carrying url_verification',
            {
              type: 'interactive',
              envelope_id: 'h12',
              payload: { type: 'url_verification', challenge: 'c' },
            },
          ],
          [
            '/scout pause from team constructor',
            {
              type: 'slash_commands',
              envelope_id: 'h13',
              payload: { command: '/scout', text: 'pause', user_id: OPS, team_id: 'constructor' },
            },
          ],
          [
            '/scout pause without a user',
            {
              type: 'slash_commands',
              envelope_id: 'h14',
              payload: { command: '/scout', text: 'pause' },
            },
          ],
          [
            'an event on team constructor',
            {
              type: 'events_api',
              envelope_id: 'h15',
              payload: {
                type: 'event_callback',
                team_id: 'constructor',
                event: { type: 'app_mention' },
              },
            },
          ],
        ] as Array<[string, unknown]>
      ).map(([name, frame]): [string, string, 'refused'] => [
        name,
        JSON.stringify(frame),
        'refused',
      ]),
      [
        'a well-formed event nobody handles',
        JSON.stringify({
          type: 'events_api',
          envelope_id: 'h-ack-1',
          payload: { type: 'event_callback', team_id: 'T0TEST', event: { type: 'app_mention' } },
        }),
        'acked',
      ],
      [
        'a well-formed action nobody handles',
        JSON.stringify({
          type: 'interactive',
          envelope_id: 'h-ack-2',
          payload: click({ actions: [{ ...action, action_id: 'not_ours' }] }),
        }),
        'acked',
      ],
      [
        'a well-formed command nobody handles',
        JSON.stringify({
          type: 'slash_commands',
          envelope_id: 'h-ack-3',
          payload: { command: '/other', user_id: OPS },
        }),
        'acked',
      ],
    ];
    for (const [, frame] of frames) socket?.send(frame);
    await until(() =>
      ['h-ack-1', 'h-ack-2', 'h-ack-3'].every((id) => received.some((m) => m.envelope_id === id)),
    );

    // Nothing changed, nothing was acknowledged but the three well-formed ones, and every
    // refusal is in the app log with its reason; no error escaped to the process.
    expect(await state()).toEqual(before);
    expect(received.map((m) => m.envelope_id).sort()).toEqual(['h-ack-1', 'h-ack-2', 'h-ack-3']);
    const refused = logs.filter((l) => l.msg.startsWith('refused a Slack Socket Mode'));
    expect(refused).toHaveLength(frames.filter(([, , r]) => r === 'refused').length - 1); // binary: ignored by the client
    expect(refused.every((l) => typeof l.reason === 'string' && l.reason.length > 0)).toBe(true);
    expect(logs.filter((l) => l.level >= 50)).toEqual([]);
    expect(unhandled).toEqual([]);

    // The connection and the app still work.
    socket?.send(JSON.stringify(envelope));
    await until(
      async () =>
        (await h.database.sql`select status from proposals where id = ${p?.id as string}`)[0]
          ?.status === 'applied',
    );
    await app.idle();
    expect(received.some((m) => m.envelope_id === 'env-ok')).toBe(true);
    expect(unhandled).toEqual([]);
  });

  it('10,000 generated frames: none escapes to the process, nothing changes, and Approve still works', async () => {
    const { p, envelope } = await approveEnvelope('env-after-fuzz');
    const { interactive, command, junk, text } = hostileSlackShapes(slack.url);
    const frame = fc.oneof(
      fc
        .record(
          {
            type: fc.oneof(
              fc.constantFrom('events_api', 'interactive', 'slash_commands', 'hello', 'disconnect'),
              text,
            ),
            envelope_id: fc.oneof(fc.uuid(), junk),
            payload: fc.oneof(interactive, command, junk),
            retry_attempt: fc.oneof(fc.nat(5), junk),
            accepts_response_payload: fc.oneof(fc.boolean(), junk),
          },
          { requiredKeys: ['type'] },
        )
        // A real `disconnect` makes the client reconnect; the stand-in has no second socket.
        .filter((f) => f.type !== 'disconnect')
        .map((f) => JSON.stringify(f)),
      junk.map((j) => JSON.stringify(j) ?? 'null'),
      fc.string({ maxLength: 200 }),
    );
    const state = async () =>
      JSON.stringify(
        (
          await h.database.sql`select
            (select count(*)::int from provenance) as log,
            (select string_agg(id || status || version, ',' order by id) from proposals) as proposals,
            (select coalesce(string_agg(key || '=' || value::text, ','), '') from control) as control`
        )[0],
      );
    const before = await state();
    fc.assert(
      fc.property(frame, (f) => {
        socket?.send(f);
      }),
      { numRuns: 10_000 },
    );
    // Frames are handled in order: once this one is acknowledged, the fuzz has been read.
    socket?.send(
      JSON.stringify({
        type: 'events_api',
        envelope_id: 'fuzz-done',
        payload: { type: 'event_callback', team_id: 'T0TEST', event: { type: 'app_mention' } },
      }),
    );
    // Ten thousand frames take seconds alone and a minute or more on a machine busy with the suite.
    await until(() => received.some((m) => m.envelope_id === 'fuzz-done'), 150_000);
    await app.idle();
    expect(unhandled).toEqual([]);
    expect(await state()).toBe(before);

    socket?.send(JSON.stringify(envelope));
    await until(
      async () =>
        (await h.database.sql`select status from proposals where id = ${p?.id as string}`)[0]
          ?.status === 'applied',
    );
    await app.idle();
    expect(unhandled).toEqual([]);
  }, 240_000);
});
