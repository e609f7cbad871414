import { type Message, OPS_CHANNEL, type Workspace } from './workspace.js';

export interface ApiCall {
  readonly method: string;
  readonly httpMethod: string;
  readonly args: Record<string, unknown>;
}

type Answer = Record<string, unknown> & { ok: boolean };

/**
 * The Web API methods Scout calls, with the required arguments from Slack's
 * published method descriptions (`users.lookupByEmail` and
 * `usergroups.users.list` are as documented on api.slack.com). A call outside this
 * table is answered `unknown_method`, as Slack would, so the sandbox cannot quietly
 * accept something real Slack refuses.
 */
const METHODS: Record<string, { required: readonly string[] }> = {
  'auth.test': { required: [] },
  'chat.postMessage': { required: ['channel'] },
  'chat.update': { required: ['channel', 'ts'] },
  'chat.postEphemeral': { required: ['channel', 'user'] },
  'chat.getPermalink': { required: ['channel', 'message_ts'] },
  'conversations.open': { required: [] },
  'views.open': { required: ['view'] },
  'views.update': { required: ['view'] },
  'views.publish': { required: ['user_id', 'view'] },
  'users.info': { required: ['user'] },
  'users.lookupByEmail': { required: ['email'] },
  'usergroups.users.list': { required: ['usergroup'] },
};

/** Slack's own limits that a real workspace enforces on every message. */
const MAX_BLOCKS = 50;
const MAX_TEXT = 40_000;

/**
 * The Web API stand-in: `POST /api/<method>` with the bot token, form- or JSON-encoded
 * like Slack's (which accepts GET or POST for every method), answered with Slack's JSON
 * shapes, and applied to the workspace.
 */
export function createWebApi(workspace: Workspace, token: string, baseUrl: () => string) {
  const calls: ApiCall[] = [];

  function handle(method: string, httpMethod: string, args: Record<string, unknown>): Answer {
    calls.push({ method, httpMethod, args });
    if (args.token !== token) return { ok: false, error: 'invalid_auth' };
    const spec = METHODS[method];
    if (!spec) return { ok: false, error: 'unknown_method' };
    const missing = spec.required.filter((k) => args[k] === undefined || args[k] === '');
    if (missing.length > 0)
      return { ok: false, error: 'invalid_arguments', response_metadata: { messages: missing } };
    const blocks = parseJson(args.blocks, []);
    if (!Array.isArray(blocks)) return { ok: false, error: 'invalid_blocks' };
    if (blocks.length > MAX_BLOCKS) return { ok: false, error: 'invalid_blocks' };
    if (typeof args.text === 'string' && args.text.length > MAX_TEXT)
      return { ok: false, error: 'msg_too_long' };
    const channel = String(args.channel ?? '');
    switch (method) {
      case 'auth.test':
        return {
          ok: true,
          url: `${baseUrl()}/`,
          team: 'Scout Sandbox',
          user: 'scout',
          team_id: 'T0SANDBOX',
          user_id: 'U0SCOUTBOT',
          bot_id: 'B0SCOUT',
        };
      case 'conversations.open': {
        const user = String(args.users ?? '').split(',')[0] ?? '';
        if (!workspace.user(user)) return { ok: false, error: 'user_not_found' };
        return { ok: true, channel: { id: workspace.dmWith(user).id } };
      }
      case 'users.lookupByEmail': {
        const u = workspace.users.find((x) => x.email === args.email);
        return u ? { ok: true, user: userJson(u) } : { ok: false, error: 'users_not_found' };
      }
      case 'users.info': {
        const u = workspace.user(String(args.user));
        return u ? { ok: true, user: userJson(u) } : { ok: false, error: 'user_not_found' };
      }
      case 'usergroups.users.list':
        return { ok: false, error: 'no_such_subteam' };
      case 'chat.postMessage': {
        if (!workspace.channels.has(channel)) return { ok: false, error: 'channel_not_found' };
        const threadTs = args.thread_ts ? String(args.thread_ts) : undefined;
        if (threadTs && !workspace.find(channel, threadTs))
          return { ok: false, error: 'thread_not_found' };
        const m = workspace.post({
          channel,
          user: 'U0SCOUTBOT',
          text: String(args.text ?? ''),
          blocks,
          ...(threadTs ? { threadTs } : {}),
        });
        return { ok: true, channel, ts: m.ts, message: messageJson(m) };
      }
      case 'chat.update': {
        const m = workspace.find(channel, String(args.ts));
        if (!m) return { ok: false, error: 'message_not_found' };
        m.text = String(args.text ?? m.text);
        if (args.blocks !== undefined) m.blocks = blocks;
        m.edited += 1;
        workspace.changed();
        return { ok: true, channel, ts: m.ts, text: m.text, message: messageJson(m) };
      }
      case 'chat.postEphemeral': {
        if (!workspace.channels.has(channel)) return { ok: false, error: 'channel_not_found' };
        if (!workspace.user(String(args.user))) return { ok: false, error: 'user_not_in_channel' };
        workspace.postEphemeral({
          channel,
          user: String(args.user),
          text: String(args.text ?? ''),
          blocks,
          source: 'chat.postEphemeral',
        });
        return { ok: true, message_ts: workspace.nextTs() };
      }
      case 'chat.getPermalink': {
        const m = workspace.find(channel, String(args.message_ts));
        if (!m) return { ok: false, error: 'message_not_found' };
        return {
          ok: true,
          channel,
          permalink: `${baseUrl()}/?channel=${channel}#m${m.ts.replace('.', '')}`,
        };
      }
      case 'views.open': {
        const user = workspace.triggers.get(String(args.trigger_id ?? ''));
        if (!user) return { ok: false, error: 'invalid_trigger_id' };
        workspace.triggers.delete(String(args.trigger_id));
        const view = parseJson(args.view, null);
        if (!isObject(view) || view.type !== 'modal')
          return { ok: false, error: 'invalid_arguments' };
        const open = workspace.openView(user, view);
        return { ok: true, view: { id: open.id, ...view } };
      }
      case 'views.update': {
        const open = workspace.views.get(String(args.view_id ?? ''));
        const view = parseJson(args.view, null);
        if (!open) return { ok: false, error: 'not_found' };
        if (!isObject(view)) return { ok: false, error: 'invalid_arguments' };
        open.view = view;
        // A new view from the app replaces what was typed into the old one.
        open.typed = {};
        workspace.changed();
        return { ok: true, view: { id: open.id, ...view } };
      }
      case 'views.publish': {
        const view = parseJson(args.view, null);
        if (!isObject(view) || view.type !== 'home')
          return { ok: false, error: 'invalid_arguments' };
        workspace.homes.set(String(args.user_id), view);
        workspace.changed();
        return { ok: true, view: { id: `VHOME${String(args.user_id)}`, ...view } };
      }
      default:
        return { ok: false, error: 'unknown_method' };
    }
  }

  return { calls, handle, methods: METHODS, opsChannel: OPS_CHANNEL };
}

export type WebApi = ReturnType<typeof createWebApi>;

function parseJson(value: unknown, fallback: unknown): unknown {
  if (typeof value !== 'string') return value ?? fallback;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return undefined;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function userJson(u: { id: string; name: string; email: string }) {
  return {
    id: u.id,
    team_id: 'T0SANDBOX',
    name: u.email.split('@')[0],
    real_name: u.name,
    profile: { real_name: u.name, display_name: u.name, email: u.email },
    is_bot: false,
    deleted: false,
  };
}

function messageJson(m: Message) {
  return {
    type: 'message',
    user: m.user,
    text: m.text,
    ts: m.ts,
    blocks: m.blocks,
    ...(m.threadTs ? { thread_ts: m.threadTs } : {}),
  };
}
