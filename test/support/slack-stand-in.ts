import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Ajv } from 'ajv';
import { checkBlocks, checkView } from './block-kit-limits.js';
import { vendorPath } from './vendor-dir.js';

const methodsDir = vendorPath('specs/slack/methods/');

export interface SlackCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  /** When the call arrived (Date.now()), for checking spacing and overlap, never for timing. */
  readonly at: number;
}

export interface PostedMessage {
  channel: string;
  ts: string;
  thread_ts?: string;
  text?: string;
  blocks?: unknown[];
  updates: number;
}

export type Fault = { error: string } | { status: 429; retryAfter: number };

export interface SlackStandIn {
  readonly url: string;
  readonly token: string;
  readonly calls: SlackCall[];
  readonly violations: string[];
  readonly messages: Map<string, PostedMessage>;
  readonly ephemerals: Array<{ channel: string; user: string; text: string; blocks?: unknown[] }>;
  /** Faults consumed, in order, by the next calls of that method. */
  readonly faults: Map<string, Fault[]>;
  /** Calls of a method are answered only once its promise settles (to catch work that waits on Slack). */
  readonly holds: Map<string, Promise<void>>;
  /** Email → Slack user id, for users.lookupByEmail. */
  readonly usersByEmail: Map<string, string>;
  /** User group id → member ids, for usergroups.users.list. */
  readonly userGroups: Map<string, string[]>;
  /** The app-level token that `apps.connections.open` takes (Socket Mode). */
  readonly appToken: string;
  /** Where `apps.connections.open` sends the Socket Mode client. */
  socketUrl: string;
  /** A `response_url` for a signed request; what is POSTed to it lands in `responses`. */
  responseUrl(id: string): string;
  readonly responses: Array<{ id: string; body: Record<string, unknown> }>;
  close(): Promise<void>;
}

const ajv = new Ajv({ strict: false, coerceTypes: true, allErrors: true });
const validators = new Map<string, ReturnType<typeof ajv.compile> | null>();
const httpMethods = new Map<string, string>();
function validatorFor(method: string) {
  if (!validators.has(method)) {
    try {
      const spec = JSON.parse(readFileSync(`${methodsDir}${method}.json`, 'utf8')) as {
        args: object;
        http_method: string;
      };
      validators.set(method, ajv.compile(spec.args));
      httpMethods.set(method, spec.http_method);
    } catch {
      validators.set(method, null);
    }
  }
  return validators.get(method) ?? null;
}

/** Methods we use that the spec folder lacks; answered without a contract check. */
const UNSPECCED = new Set(['users.lookupByEmail', 'apps.connections.open']);

/**
 * A local Slack Web API on 127.0.0.1: records every call, validates each against
 * Slack's per-method metadata (required args, types) and our Block Kit limit checker,
 * keeps posted messages so tests can read cards, and injects 429 and error answers.
 */
export async function startSlackStandIn(options: { token?: string } = {}): Promise<SlackStandIn> {
  const token = options.token ?? 'xoxb-test-token';
  const state = {
    calls: [] as SlackCall[],
    violations: [] as string[],
    messages: new Map<string, PostedMessage>(),
    ephemerals: [] as Array<{ channel: string; user: string; text: string; blocks?: unknown[] }>,
    faults: new Map<string, Fault[]>(),
    holds: new Map<string, Promise<void>>(),
    usersByEmail: new Map<string, string>(),
    userGroups: new Map<string, string[]>(),
    socketUrl: '',
    responses: [] as Array<{ id: string; body: Record<string, unknown> }>,
  };
  const appToken = 'xapp-test-token';
  let clock = 1_700_000_000;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    // response_url: JSON posted by the app, at most 5 times per URL (Slack's documented limit).
    if (req.url?.startsWith('/response/')) {
      const id = req.url.slice('/response/'.length);
      const body = JSON.parse(raw || '{}') as Record<string, unknown>;
      if (state.responses.filter((r) => r.id === id).length >= 5)
        state.violations.push(`response_url ${id} used more than 5 times`);
      if (Array.isArray(body.blocks))
        state.violations.push(
          ...checkBlocks(body.blocks, 'message').map((p) => `response_url: ${p}`),
        );
      state.responses.push({ id, body });
      res.writeHead(200, { 'content-type': 'text/plain' });
      return res.end('ok');
    }
    const method = (req.url ?? '').replace(/^\/api\//, '').split('?')[0] ?? '';
    const send = (
      status: number,
      body: Record<string, unknown>,
      headers: Record<string, string> = {},
    ) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const args: Record<string, unknown> = (req.headers['content-type'] ?? '').includes('json')
      ? (JSON.parse(raw || '{}') as Record<string, unknown>)
      : Object.fromEntries(new URLSearchParams(raw));
    const bearer = req.headers.authorization?.replace(/^Bearer /, '');
    if (bearer) args.token = bearer;
    state.calls.push({ method, args: { ...args }, at: Date.now() });
    if (args.token !== (method === 'apps.connections.open' ? appToken : token))
      return send(200, { ok: false, error: 'invalid_auth' });

    const validate = validatorFor(method);
    if (!validate && !UNSPECCED.has(method))
      return send(200, { ok: false, error: 'unknown_method' });
    const expected = httpMethods.get(method);
    // Every method takes form-encoded POST arguments (docs.slack.dev/apis/web-api); a
    // GET-listed read method must not get a JSON body, and a POST method never a GET.
    const json = (req.headers['content-type'] ?? '').includes('json');
    if (expected && (expected === 'POST' ? req.method !== 'POST' : req.method !== 'GET' && json)) {
      state.violations.push(`${method}: sent with ${req.method}, the spec says ${expected}`);
    }
    for (const k of ['blocks', 'view', 'attachments'])
      if (typeof args[k] === 'object' && args[k] !== null) args[k] = JSON.stringify(args[k]);
    if (validate && !validate({ ...args })) {
      state.violations.push(`${method}: ${ajv.errorsText(validate.errors)}`);
      return send(200, { ok: false, error: 'invalid_arguments' });
    }
    const blocks =
      typeof args.blocks === 'string' ? (JSON.parse(args.blocks) as unknown[]) : undefined;
    const view =
      typeof args.view === 'string'
        ? (JSON.parse(args.view) as Record<string, unknown>)
        : undefined;
    if (blocks)
      state.violations.push(...checkBlocks(blocks, 'message').map((p) => `${method}: ${p}`));
    if (view) state.violations.push(...checkView(view).map((p) => `${method}: ${p}`));

    await state.holds.get(method);
    const fault = state.faults.get(method)?.shift();
    if (fault && 'status' in fault)
      return send(
        429,
        { ok: false, error: 'ratelimited' },
        { 'retry-after': String(fault.retryAfter) },
      );
    if (fault) return send(200, { ok: false, error: fault.error });

    const channel = String(args.channel ?? '');
    switch (method) {
      case 'auth.test':
        return send(200, {
          ok: true,
          url: 'https://example.slack.com/',
          team: 'Example',
          user: 'scout',
          team_id: 'T0TEST',
          user_id: 'U0SCOUT',
          bot_id: 'B0SCOUT',
        });
      case 'conversations.open':
        return send(200, {
          ok: true,
          channel: { id: `D${String(args.users ?? '').replace(/^U/, '')}` },
        });
      case 'users.lookupByEmail': {
        const id = state.usersByEmail.get(String(args.email));
        return send(200, id ? { ok: true, user: { id } } : { ok: false, error: 'users_not_found' });
      }
      case 'apps.connections.open':
        return send(200, { ok: true, url: state.socketUrl });
      case 'usergroups.users.list': {
        const users = state.userGroups.get(String(args.usergroup));
        return send(200, users ? { ok: true, users } : { ok: false, error: 'no_such_subteam' });
      }
      case 'chat.postMessage': {
        const ts = `${clock++}.000100`;
        const message: PostedMessage = {
          channel,
          ts,
          text: String(args.text ?? ''),
          updates: 0,
          ...(args.thread_ts ? { thread_ts: String(args.thread_ts) } : {}),
          ...(blocks ? { blocks } : {}),
        };
        state.messages.set(`${channel}/${ts}`, message);
        return send(200, { ok: true, channel, ts, message: { text: message.text, ts } });
      }
      case 'chat.update': {
        const message = state.messages.get(`${channel}/${String(args.ts)}`);
        if (!message) return send(200, { ok: false, error: 'message_not_found' });
        message.updates += 1;
        message.text = String(args.text ?? '');
        if (blocks) message.blocks = blocks;
        return send(200, { ok: true, channel, ts: message.ts, text: message.text });
      }
      case 'chat.postEphemeral':
        state.ephemerals.push({
          channel,
          user: String(args.user),
          text: String(args.text ?? ''),
          ...(blocks ? { blocks } : {}),
        });
        return send(200, { ok: true, message_ts: `${clock++}.000200` });
      case 'chat.getPermalink': {
        const message = state.messages.get(`${channel}/${String(args.message_ts)}`);
        if (!message) return send(200, { ok: false, error: 'message_not_found' });
        const p = `p${message.ts.replace('.', '')}`;
        const thread = message.thread_ts ? `?thread_ts=${message.thread_ts}&cid=${channel}` : '';
        return send(200, {
          ok: true,
          channel,
          permalink: `https://example.slack.com/archives/${channel}/${p}${thread}`,
        });
      }
      case 'views.open':
        return send(200, { ok: true, view: { id: `V${clock++}`, ...(view ?? {}) } });
      default:
        return send(200, { ok: true });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url: `${base}/api`,
    responseUrl: (id: string) => `${base}/response/${id}`,
    token,
    appToken,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}
