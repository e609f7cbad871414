import { createHmac } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebClient } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sandboxClient } from '../../src/sandbox/sandbox-client.js';
import { type Sandbox, startSandbox } from '../../src/sandbox/server.js';

const SECRET = 'sandbox-test-secret';
const TOKEN = 'xoxb-sandbox-test';

interface Received {
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

describe('the Slack sandbox', () => {
  let sandbox: Sandbox;
  let bot: Server;
  const received: Received[] = [];
  let answer: { status: number; body: string } = { status: 200, body: '' };
  let client: WebClient;

  beforeAll(async () => {
    // A stand-in for the bot's endpoint: records what the sandbox sends, answers like Bolt would.
    bot = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    await new Promise<void>((r) => bot.listen(0, '127.0.0.1', r));
    const botPort = (bot.address() as AddressInfo).port;
    sandbox = await startSandbox({
      users: [
        { id: 'U0ANA', name: 'Ana', email: 'ana@example.com', role: 'owner' },
        { id: 'U0SAM', name: 'Sam', email: 'sam@example.com', role: 'stranger' },
      ],
      botToken: TOKEN,
      signingSecret: SECRET,
      botUrl: () => `http://127.0.0.1:${botPort}/slack/events`,
      port: 0,
    });
    client = new WebClient(TOKEN, {
      slackApiUrl: `${sandbox.apiUrl}/`,
      retryConfig: { retries: 0 },
    });
  });

  afterAll(async () => {
    await sandbox.close();
    await new Promise<void>((r) => bot.close(() => r()));
  });

  const lastPayload = () => {
    const last = received.at(-1) as Received;
    return JSON.parse(new URLSearchParams(last.body).get('payload') as string) as Record<
      string,
      unknown
    >;
  };

  it('answers like Slack: bad token, unknown method, missing or unknown arguments', async () => {
    const bad = new WebClient('xoxb-wrong', {
      slackApiUrl: `${sandbox.apiUrl}/`,
      retryConfig: { retries: 0 },
    });
    await expect(bad.auth.test()).rejects.toThrow('invalid_auth');
    await expect(client.apiCall('chat.scheduleMessage', { channel: 'C0OPS' })).rejects.toThrow(
      'unknown_method',
    );
    await expect(client.apiCall('chat.postMessage', { text: 'no channel' })).rejects.toThrow(
      'invalid_arguments',
    );
    await expect(client.chat.postMessage({ channel: 'C0NOPE', text: 'x' })).rejects.toThrow(
      'channel_not_found',
    );
    await expect(client.chat.update({ channel: 'C0OPS', ts: '1.1', text: 'x' })).rejects.toThrow(
      'message_not_found',
    );
    await expect(
      client.chat.postMessage({ channel: 'C0OPS', thread_ts: '9.9', text: 'x' }),
    ).rejects.toThrow('thread_not_found');
    await expect(
      client.views.open({
        trigger_id: 'made-up',
        view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
      }),
    ).rejects.toThrow('invalid_trigger_id');
  });

  it("keeps a person's published App Home and refuses a view that is not a home tab", async () => {
    const home = {
      type: 'home' as const,
      blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'Hi' } }],
    };
    await client.views.publish({ user_id: 'U01ANA', view: home });
    expect(sandbox.workspace.homes.get('U01ANA')).toMatchObject(home);
    await expect(
      client.views.publish({
        user_id: 'U01ANA',
        view: { type: 'modal', title: { type: 'plain_text', text: 'x' }, blocks: [] },
      }),
    ).rejects.toThrow('invalid_arguments');
    await expect(client.apiCall('views.publish', { view: home })).rejects.toThrow(
      'invalid_arguments',
    );
  });

  it('sends a click to the bot signed with the signing secret, and its trigger opens one modal', async () => {
    const dm = await client.conversations.open({ users: 'U0ANA' });
    const channel = dm.channel?.id as string;
    const posted = await client.chat.postMessage({
      channel,
      text: 'card',
      blocks: [
        {
          type: 'actions',
          block_id: 'decide',
          elements: [
            {
              type: 'button',
              action_id: 'scout_approve',
              text: { type: 'plain_text', text: 'Approve' },
              value: '{"p":"p1","v":1}',
            },
          ],
        },
      ],
    });
    const clicked = await sandboxClient(sandbox).click({
      user: 'U0SAM',
      channel,
      ts: posted.ts as string,
      actionId: 'scout_approve',
    });
    expect(clicked.status).toBe(200);
    const { headers, body } = received.at(-1) as Received;
    const ts = String(headers['x-slack-request-timestamp']);
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(300);
    expect(headers['x-slack-signature']).toBe(
      `v0=${createHmac('sha256', SECRET).update(`v0:${ts}:${body}`).digest('hex')}`,
    );
    const payload = lastPayload();
    expect(payload).toMatchObject({
      type: 'block_actions',
      user: { id: 'U0SAM' },
      container: { type: 'message', channel_id: channel, message_ts: posted.ts },
      channel: { id: channel },
      actions: [
        {
          type: 'button',
          action_id: 'scout_approve',
          block_id: 'decide',
          value: '{"p":"p1","v":1}',
        },
      ],
    });
    const trigger = payload.trigger_id as string;
    const view = {
      type: 'modal' as const,
      title: { type: 'plain_text' as const, text: 'Edit' },
      blocks: [],
    };
    const opened = await client.views.open({ trigger_id: trigger, view });
    expect(sandbox.workspace.views.get(opened.view?.id as string)?.user).toBe('U0SAM');
    await expect(client.views.open({ trigger_id: trigger, view })).rejects.toThrow(
      'invalid_trigger_id',
    );

    // The response_url of that click replaces the original message.
    const res = await fetch(payload.response_url as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ replace_original: true, text: 'replaced' }),
    });
    expect(res.status).toBe(200);
    expect(sandbox.workspace.find(channel, posted.ts as string)?.text).toBe('replaced');
  });

  it('sends a typed slash command and shows the immediate answer only to its author', async () => {
    answer = { status: 200, body: JSON.stringify({ response_type: 'ephemeral', text: 'paused' }) };
    const typed = await sandboxClient(sandbox).type({
      user: 'U0ANA',
      channel: 'C0OPS',
      text: '/scout   pause now',
    });
    answer = { status: 200, body: '' };
    expect(typed.status).toBe(200);
    const fields = new URLSearchParams((received.at(-1) as Received).body);
    expect(Object.fromEntries(fields)).toMatchObject({
      command: '/scout',
      text: 'pause now',
      user_id: 'U0ANA',
      channel_id: 'C0OPS',
    });
    expect(fields.get('response_url')).toMatch(/\/sandbox\/response\/[0-9a-f]{24}$/);
    const shown = sandbox.workspace.ephemerals.filter((e) => e.channel === 'C0OPS');
    expect(shown.map((e) => [e.user, e.source, e.text])).toEqual([
      ['U0ANA', 'typed', '/scout pause now'],
      ['U0ANA', 'response', 'paused'],
    ]);
  });

  it('refuses sandbox calls that name nobody or nothing', async () => {
    const res = await fetch(`${sandbox.url}/sandbox/api/click`, {
      method: 'POST',
      headers: pageHeaders(),
      body: JSON.stringify({ user: 'U0NOBODY', channel: 'C0OPS', ts: '1.1', actionId: 'x' }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('no person U0NOBODY');
    const unknown = await fetch(`${sandbox.url}/sandbox/response/deadbeef`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(unknown.status).toBe(404);
  });

  const pageHeaders = (over: Record<string, string> = {}) => ({
    'content-type': 'application/json',
    origin: sandbox.url,
    'x-scout-sandbox-token': sandbox.token,
    ...over,
  });
  const pause = JSON.stringify({ user: 'U0ANA', channel: 'C0OPS', text: '/scout pause' });

  it('embeds its per-start token in the page it serves', async () => {
    const page = await (await fetch(`${sandbox.url}/`)).text();
    expect(page).toContain(`data-token="${sandbox.token}"`);
    expect(sandbox.token).toMatch(/^[0-9a-f]{48}$/);
  });

  it.each([
    ['a cross-site text/plain POST (no preflight)', { 'content-type': 'text/plain' }],
    ['a form POST', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['JSON from another origin', { origin: 'https://evil.example' }],
    ['JSON from another port on this machine', { origin: 'http://127.0.0.1:1' }],
    ['JSON without the page token', { 'x-scout-sandbox-token': 'guess' }],
  ])('refuses %s with 403, and nothing reaches the bot', async (_name, over) => {
    const before = received.length;
    const res = await fetch(`${sandbox.url}/sandbox/api/message`, {
      method: 'POST',
      headers: pageHeaders(over),
      body: pause,
    });
    expect(res.status).toBe(403);
    expect(received.length).toBe(before);
  });

  it('refuses a request whose Host is not a loopback name (DNS rebinding), even a read', async () => {
    const { port } = new URL(sandbox.url);
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/sandbox/api/state', headers: { host } },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    expect(await status(`evil.example:${port}`)).toBe(403);
    expect(await status(`localhost:${port}`)).toBe(200);
    expect(await status(`127.0.0.1:${port}`)).toBe(200);
  });
});
