import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { type BotRequests, createBotRequests, SandboxInputError } from './bot-requests.js';
import { renderPage, renderPane, type SandboxControl, type SandboxFormLink } from './page.js';
import { sandboxRefusal } from './request-guard.js';
import { createWebApi, type WebApi } from './web-api.js';
import { OPS_CHANNEL, type SandboxUser, Workspace } from './workspace.js';

export interface SandboxOptions {
  readonly users: readonly SandboxUser[];
  /** The bot token the Web API accepts. */
  readonly botToken: string;
  readonly signingSecret: string;
  /** The bot's real HTTP endpoint (known once the bot listens). */
  readonly botUrl: () => string;
  readonly port: number;
  readonly host?: string;
  /** Buttons shown in the ops channel that call back into the host (not Slack features). */
  readonly controls?: readonly SandboxControl[];
  readonly onControl?: (id: string) => Promise<string>;
  /** Pages of the host app the controls bar opens (known once the host listens). */
  readonly links?: () => readonly SandboxFormLink[];
}

export interface Sandbox {
  readonly url: string;
  /** Base URL for the bot's Web API client (`SLACK_API_URL`). */
  readonly apiUrl: string;
  /** The per-start token state-changing calls must carry (embedded in the page). */
  readonly token: string;
  readonly workspace: Workspace;
  readonly api: WebApi;
  readonly bot: BotRequests;
  close(): Promise<void>;
}

const clickBody = z.strictObject({
  user: z.string().min(1),
  channel: z.string().min(1),
  ts: z.string().min(1),
  actionId: z.string().min(1),
  value: z.string().optional(),
  selected: z.string().optional(),
});
const submitBody = z.strictObject({
  user: z.string().min(1),
  viewId: z.string().min(1),
  values: z.record(z.string(), z.record(z.string(), z.string())),
});
const closeBody = z.strictObject({ user: z.string().min(1), viewId: z.string().min(1) });
const messageBody = z.strictObject({
  user: z.string().min(1),
  channel: z.string().min(1),
  text: z.string().min(1).max(4000),
});
const controlBody = z.strictObject({ id: z.string().min(1) });

const MAX_BODY = 1_000_000;

/**
 * The local Slack sandbox: the Web API stand-in under `/api/`, the workspace page on `/`,
 * and the page's own JSON calls under `/sandbox/` (also the headless interface that
 * `scout demo --check` drives). Listens on 127.0.0.1 only.
 */
export async function startSandbox(options: SandboxOptions): Promise<Sandbox> {
  let base = '';
  const workspace = new Workspace(options.users);
  const api = createWebApi(workspace, options.botToken, () => base);
  const bot = createBotRequests({
    workspace,
    botUrl: options.botUrl,
    signingSecret: options.signingSecret,
    baseUrl: () => base,
  });
  const controls = options.controls ?? [];
  const links = () => options.links?.() ?? [];
  // Given to the page this process serves, and to nobody else: other pages cannot read it.
  const token = randomBytes(24).toString('hex');
  let port = 0;
  const knownUser = (id: string) => {
    if (!workspace.user(id)) throw new SandboxInputError(`no person ${id} in the sandbox`);
    return id;
  };

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      const status = error instanceof SandboxInputError || error instanceof z.ZodError ? 400 : 500;
      const message =
        error instanceof z.ZodError
          ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')
          : (error as Error).message;
      if (!res.headersSent) sendJson(res, status, { error: message });
      else res.end();
    });
  });

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://sandbox.local');
    const path = url.pathname;
    const refusal = sandboxRefusal(req, {
      port,
      token,
      stateChanging: req.method !== 'GET' && path.startsWith('/sandbox/api/'),
    });
    if (refusal) return sendJson(res, 403, { error: refusal });
    // The bot's `response_url` posts are JSON too; a cross-site simple POST is not.
    if (path.startsWith('/sandbox/response/') && !isJson(req))
      return sendJson(res, 415, { error: 'application/json only' });
    if (path.startsWith('/api/')) {
      const raw = await readBody(req);
      const args: Record<string, unknown> = Object.fromEntries(url.searchParams);
      if ((req.headers['content-type'] ?? '').includes('json'))
        Object.assign(args, JSON.parse(raw || '{}') as Record<string, unknown>);
      else Object.assign(args, Object.fromEntries(new URLSearchParams(raw)));
      const bearer = req.headers.authorization?.replace(/^Bearer /, '');
      if (bearer) args.token = bearer;
      return sendJson(res, 200, api.handle(path.slice(5), req.method ?? 'POST', args));
    }
    if (req.method === 'GET' && path === '/') {
      const as = url.searchParams.get('as') ?? options.users[0]?.id ?? '';
      const channel = url.searchParams.get('channel') ?? OPS_CHANNEL;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        renderPage(
          workspace,
          channel,
          workspace.user(as) ? as : (options.users[0]?.id ?? ''),
          controls,
          token,
          links(),
        ),
      );
      return;
    }
    if (req.method === 'GET' && path === '/sandbox/api/version')
      return sendJson(res, 200, { version: workspace.version });
    if (req.method === 'GET' && path === '/sandbox/fragment') {
      const as = knownUser(url.searchParams.get('as') ?? '');
      return sendJson(
        res,
        200,
        renderPane(
          workspace,
          url.searchParams.get('channel') ?? OPS_CHANNEL,
          as,
          controls,
          links(),
        ),
      );
    }
    if (req.method === 'GET' && path === '/sandbox/api/state')
      return sendJson(res, 200, {
        version: workspace.version,
        users: workspace.users,
        channels: [...workspace.channels.values()],
        messages: workspace.messages,
        ephemerals: workspace.ephemerals,
        views: [...workspace.views.values()],
      });
    if (req.method === 'POST' && path.startsWith('/sandbox/response/')) {
      const message = JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>;
      const ok = bot.respond(path.slice('/sandbox/response/'.length), message);
      return ok ? sendText(res, 200, 'ok') : sendText(res, 404, 'no_such_response_url');
    }
    if (req.method !== 'POST') return sendJson(res, 404, { error: 'not_found' });
    const body = JSON.parse((await readBody(req)) || '{}') as unknown;
    switch (path) {
      case '/sandbox/api/click': {
        const input = clickBody.parse(body);
        knownUser(input.user);
        return sendJson(
          res,
          200,
          await bot.click({
            user: input.user,
            channel: input.channel,
            ts: input.ts,
            actionId: input.actionId,
            ...(input.value !== undefined ? { value: input.value } : {}),
            ...(input.selected !== undefined ? { selected: input.selected } : {}),
          }),
        );
      }
      case '/sandbox/api/view-submit': {
        const input = submitBody.parse(body);
        knownUser(input.user);
        return sendJson(res, 200, await bot.submitView(input));
      }
      case '/sandbox/api/view-close': {
        const input = closeBody.parse(body);
        if (workspace.views.get(input.viewId)?.user === input.user)
          workspace.closeView(input.viewId);
        return sendJson(res, 200, { ok: true });
      }
      case '/sandbox/api/message': {
        const input = messageBody.parse(body);
        knownUser(input.user);
        if (!workspace.channels.has(input.channel))
          throw new SandboxInputError(`no channel ${input.channel}`);
        const slash = /^(\/[a-z][a-z0-9_-]*)(?:\s+([\s\S]*))?$/i.exec(input.text.trim());
        if (slash)
          return sendJson(
            res,
            200,
            await bot.command({
              user: input.user,
              channel: input.channel,
              command: (slash[1] ?? '').toLowerCase(),
              text: (slash[2] ?? '').trim(),
            }),
          );
        // Scout reads no channel messages; a plain message just appears, as in Slack.
        workspace.post({ channel: input.channel, user: input.user, text: input.text, blocks: [] });
        return sendJson(res, 200, { status: 200, body: '' });
      }
      case '/sandbox/api/control': {
        const { id } = controlBody.parse(body);
        if (!options.onControl || !controls.some((c) => c.id === id))
          throw new SandboxInputError(`no control ${id}`);
        return sendJson(res, 200, { message: await options.onControl(id) });
      }
      default:
        return sendJson(res, 404, { error: 'not_found' });
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host ?? '127.0.0.1', resolve);
  });
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  return {
    url: base,
    token,
    apiUrl: `${base}/api`,
    workspace,
    api,
    bot,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new SandboxInputError('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function isJson(req: IncomingMessage): boolean {
  return (
    (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() === 'application/json'
  );
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(body);
}
