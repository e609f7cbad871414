import { createHash, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Anthropic from '@anthropic-ai/sdk';
import { minimumCacheablePrefix } from '../../src/extraction/prompt-cache-floor.js';

/** What the stand-in answers to one Messages API request. */
export type Reply =
  | { kind: 'findings'; findings: unknown[] }
  | { kind: 'tool_input'; input: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'max_tokens' }
  | { kind: 'error'; status: number; type: string; message: string; retryAfter?: number };

export interface RecordedRequest {
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: Anthropic.MessageCreateParamsNonStreaming;
  readonly raw: string;
}

export interface AnthropicStandIn {
  readonly url: string;
  readonly apiKey: string;
  readonly requests: RecordedRequest[];
  /** Contract violations seen in requests; a correct client leaves this empty. */
  readonly violations: string[];
  /** Answers consumed before `reply` is asked, one per request (fault injection). */
  readonly queue: Reply[];
  reply: (request: Anthropic.MessageCreateParamsNonStreaming) => Reply;
  latencyMs: number;
  /** Message Batches created so far, by id. */
  readonly batches: Map<string, StandInBatch>;
  /** How many status polls a batch stays `in_progress` before it ends. */
  batchPollsUntilEnded: number;
  /**
   * The model's minimum cacheable prefix in tokens (default: the published table). A
   * breakpoint whose prefix is shorter is neither written nor read, silently, as on the
   * real API. Return 0 (or null) to cache any prefix.
   */
  cacheFloor: (model: string) => number | null;
  close(): Promise<void>;
}

export interface StandInBatch {
  readonly id: string;
  readonly requests: Array<{
    custom_id: string;
    params: Anthropic.MessageCreateParamsNonStreaming;
  }>;
  polls: number;
  results: string[] | null;
}

/** A deal's name as the prompt builder writes it, for replies keyed by deal. */
export function dealNameOf(request: Anthropic.MessageCreateParamsNonStreaming): string | null {
  for (const m of request.messages) {
    for (const b of typeof m.content === 'string'
      ? [{ type: 'text', text: m.content }]
      : m.content) {
      if (b.type !== 'text' || !('text' in b)) continue;
      const line = /^Deal: (".*")$/m.exec(b.text)?.[1];
      if (line) return JSON.parse(line) as string;
    }
  }
  return null;
}

const tokens = (s: string) => Math.ceil(s.length / 4);

/**
 * A local Messages API on 127.0.0.1 that speaks the real wire format (tool_use blocks,
 * usage with cache fields, stop reasons, typed errors with retry-after), accepts both
 * auth header styles, and simulates prompt caching on the request's cache breakpoints:
 * a breakpoint whose prefix is under the model's published minimum (`cacheFloor`) caches
 * nothing and both cache counters stay at zero, as on the real API. Requests that carry
 * `diagnostics` get the API's `diagnostics.cache_miss_reason` against the answer they name.
 */
export async function startAnthropicStandIn(
  options: { apiKey?: string } = {},
): Promise<AnthropicStandIn> {
  const apiKey = options.apiKey ?? `sk-ant-test-${randomUUID()}`;
  const cached = new Set<string>();
  const state = {
    requests: [] as RecordedRequest[],
    violations: [] as string[],
    queue: [] as Reply[],
    reply: ((): Reply => ({ kind: 'findings', findings: [] })) as AnthropicStandIn['reply'],
    latencyMs: 0,
    batches: new Map<string, StandInBatch>(),
    batchPollsUntilEnded: 1,
    cacheFloor: minimumCacheablePrefix as AnthropicStandIn['cacheFloor'],
  };
  /** Requests that opted in to cache diagnostics, by the id of the message that answered them. */
  const fingerprints = new Map<string, Anthropic.MessageCreateParamsNonStreaming>();
  const answer = (
    body: Anthropic.MessageCreateParamsNonStreaming,
    reply: Exclude<Reply, { kind: 'error' }>,
  ) => {
    const m = message(body, reply, cached, state.cacheFloor(body.model) ?? 0);
    const diagnostics = (body as { diagnostics?: { previous_message_id?: string | null } })
      .diagnostics;
    if (diagnostics === undefined) return m;
    fingerprints.set(m.id, body);
    const previous = diagnostics.previous_message_id;
    const before = previous ? fingerprints.get(previous) : undefined;
    return Object.assign(m, {
      diagnostics: {
        cache_miss_reason:
          previous === null || previous === undefined
            ? null
            : before
              ? divergence(before, body)
              : { type: 'previous_message_not_found' },
      },
    });
  };
  let url = '';

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const key = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '');
    if (key !== apiKey) return sendError(res, 401, 'authentication_error', 'invalid x-api-key');
    if (!req.headers['anthropic-version'])
      state.violations.push('missing anthropic-version header');
    const path = req.url?.split('?')[0] ?? '';
    if (path.startsWith('/v1/messages/batches'))
      return batchRoute(req.method ?? '', path, raw, res);
    if (req.method !== 'POST' || path !== '/v1/messages') {
      return sendError(res, 404, 'not_found_error', `no route ${req.method} ${req.url}`);
    }
    let body: Anthropic.MessageCreateParamsNonStreaming;
    try {
      body = JSON.parse(raw);
    } catch {
      state.violations.push('body is not JSON');
      return sendError(res, 400, 'invalid_request_error', 'body is not JSON');
    }
    const problems = checkRequest(body);
    state.violations.push(...problems);
    state.requests.push({ path: req.url ?? '', headers: req.headers, body, raw });
    if (problems.length > 0)
      return sendError(res, 400, 'invalid_request_error', problems.join('; '));
    if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));
    const reply = state.queue.shift() ?? state.reply(body);
    if (reply.kind === 'error')
      return sendError(res, reply.status, reply.type, reply.message, reply.retryAfter);
    res.writeHead(200, { 'content-type': 'application/json', 'request-id': `req_${randomUUID()}` });
    res.end(JSON.stringify(answer(body, reply)));
  });
  /** The Message Batches API: create, retrieve (ends after a few polls), results as JSONL. */
  function batchRoute(method: string, path: string, raw: string, res: ServerResponse) {
    const [, , , , id, tail] = path.split('/');
    if (method === 'POST' && !id) {
      const body = JSON.parse(raw) as { requests?: StandInBatch['requests'] };
      if (!Array.isArray(body.requests) || body.requests.length === 0) {
        state.violations.push('batch without requests');
        return sendError(res, 400, 'invalid_request_error', 'requests: must be a non-empty array');
      }
      const ids = new Set<string>();
      for (const r of body.requests) {
        if (!/^[a-zA-Z0-9_-]{1,64}$/.test(r.custom_id ?? ''))
          state.violations.push(`bad custom_id ${r.custom_id}`);
        if (ids.has(r.custom_id)) state.violations.push(`duplicate custom_id ${r.custom_id}`);
        ids.add(r.custom_id);
        state.violations.push(...checkRequest(r.params));
      }
      const batch: StandInBatch = {
        id: `msgbatch_${randomUUID().replace(/-/g, '')}`,
        requests: body.requests,
        polls: 0,
        results: null,
      };
      state.batches.set(batch.id, batch);
      return sendJson(res, batchObject(batch));
    }
    const batch = id ? state.batches.get(id) : undefined;
    if (!batch) return sendError(res, 404, 'not_found_error', `no batch ${id}`);
    if (method === 'GET' && !tail) {
      batch.polls += 1;
      if (batch.polls > state.batchPollsUntilEnded && batch.results === null) {
        batch.results = batch.requests.map((r) => {
          const reply = state.reply(r.params);
          if (reply.kind === 'error') {
            return JSON.stringify({
              custom_id: r.custom_id,
              result: {
                type: 'errored',
                error: { type: 'error', error: { type: reply.type, message: reply.message } },
              },
            });
          }
          return JSON.stringify({
            custom_id: r.custom_id,
            result: { type: 'succeeded', message: answer(r.params, reply) },
          });
        });
      }
      return sendJson(res, batchObject(batch));
    }
    if (method === 'GET' && tail === 'results' && batch.results) {
      res.writeHead(200, { 'content-type': 'application/binary' });
      return res.end(`${batch.results.join('\n')}\n`);
    }
    return sendError(res, 404, 'not_found_error', `no route ${method} ${path}`);
  }

  function batchObject(batch: StandInBatch): Anthropic.Messages.MessageBatch {
    const ended = batch.results !== null;
    const errored = (batch.results ?? []).filter((l) => l.includes('"type":"errored"')).length;
    return {
      id: batch.id,
      type: 'message_batch',
      processing_status: ended ? 'ended' : 'in_progress',
      request_counts: {
        processing: ended ? 0 : batch.requests.length,
        succeeded: ended ? batch.requests.length - errored : 0,
        errored,
        canceled: 0,
        expired: 0,
      },
      created_at: new Date().toISOString(),
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
      ended_at: ended ? new Date().toISOString() : null,
      cancel_initiated_at: null,
      archived_at: null,
      results_url: ended ? `${url}/v1/messages/batches/${batch.id}/results` : null,
    } as Anthropic.Messages.MessageBatch;
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    url,
    apiKey,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  });
}

function sendJson(res: ServerResponse, body: unknown) {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function sendError(
  res: ServerResponse,
  status: number,
  type: string,
  message: string,
  retryAfter?: number,
) {
  res.writeHead(status, {
    'content-type': 'application/json',
    ...(retryAfter !== undefined ? { 'retry-after': String(retryAfter) } : {}),
  });
  res.end(JSON.stringify({ type: 'error', error: { type, message } }));
}

/** The request contract, as the SDK types and the API documentation define it. */
function checkRequest(body: Anthropic.MessageCreateParamsNonStreaming): string[] {
  const problems: string[] = [];
  if (typeof body.model !== 'string' || body.model === '') problems.push('model is required');
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1)
    problems.push('max_tokens must be a positive integer');
  if (!Array.isArray(body.messages) || body.messages.length === 0)
    problems.push('messages must be a non-empty array');
  for (const m of body.messages ?? [])
    if (m.role !== 'user' && m.role !== 'assistant') problems.push(`bad role ${m.role}`);
  for (const t of body.tools ?? []) {
    const tool = t as Anthropic.Tool;
    if (!tool.name || tool.input_schema?.type !== 'object')
      problems.push(`tool ${tool.name} needs an object input_schema`);
  }
  if (
    body.tool_choice?.type === 'tool' &&
    !(body.tools ?? []).some(
      (t) => (t as Anthropic.Tool).name === (body.tool_choice as Anthropic.ToolChoiceTool).name,
    )
  ) {
    problems.push('tool_choice names a tool that is not offered');
  }
  const breakpoints = (
    JSON.stringify([body.tools, body.system, body.messages]).match(/"cache_control"/g) ?? []
  ).length;
  if (breakpoints > 4)
    problems.push(`${breakpoints} cache_control breakpoints; at most 4 are allowed`);
  return problems;
}

/** Prefixes ending at each cache breakpoint, in the API's order: tools, system, messages. */
function cachePrefixes(body: Anthropic.MessageCreateParamsNonStreaming): string[] {
  const parts: Array<{ text: string; breakpoint: boolean }> = [];
  for (const t of body.tools ?? [])
    parts.push({ text: JSON.stringify(t), breakpoint: 'cache_control' in t && !!t.cache_control });
  const system =
    typeof body.system === 'string'
      ? [{ type: 'text' as const, text: body.system }]
      : (body.system ?? []);
  for (const b of system) parts.push({ text: b.text, breakpoint: !!b.cache_control });
  for (const m of body.messages) {
    const blocks =
      typeof m.content === 'string' ? [{ type: 'text' as const, text: m.content }] : m.content;
    for (const b of blocks)
      parts.push({
        text: JSON.stringify(b),
        breakpoint: 'cache_control' in b && !!b.cache_control,
      });
  }
  const prefixes: string[] = [];
  let acc = '';
  for (const p of parts) {
    acc += p.text;
    if (p.breakpoint) prefixes.push(acc);
  }
  return prefixes;
}

/** The first place two requests part, in the API's cache_miss_reason shape (null: no divergence). */
function divergence(
  before: Anthropic.MessageCreateParamsNonStreaming,
  now: Anthropic.MessageCreateParamsNonStreaming,
): { type: string; cache_missed_input_tokens?: number } | null {
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  const missed = tokens(JSON.stringify([before.tools, before.system]));
  if (before.model !== now.model)
    return { type: 'model_changed', cache_missed_input_tokens: missed };
  if (!same(before.system, now.system))
    return { type: 'system_changed', cache_missed_input_tokens: missed };
  if (!same(before.tools, now.tools))
    return { type: 'tools_changed', cache_missed_input_tokens: missed };
  const earlier = before.messages.every((m, i) => same(m, now.messages[i]));
  return earlier
    ? null
    : {
        type: 'messages_changed',
        cache_missed_input_tokens: tokens(JSON.stringify(before.messages)),
      };
}

function message(
  body: Anthropic.MessageCreateParamsNonStreaming,
  reply: Exclude<Reply, { kind: 'error' }>,
  cached: Set<string>,
  floor: number,
): Anthropic.Message {
  const total = tokens(JSON.stringify([body.tools, body.system, body.messages]));
  // Below the model's minimum a breakpoint caches nothing, and the API does not say why.
  const prefixes = cachePrefixes(body).filter((p) => tokens(p) >= floor);
  const hash = (s: string) => createHash('sha256').update(s).digest('hex');
  const hit = [...prefixes].reverse().find((p) => cached.has(hash(p)));
  const longest = prefixes.at(-1);
  const read = hit ? tokens(hit) : 0;
  const written = longest && longest !== hit ? tokens(longest) - read : 0;
  for (const p of prefixes) cached.add(hash(p));
  const content: Anthropic.ContentBlock[] = [];
  // The tool the request forces (the extractor's record_findings, the summary's record_narrative).
  const name = body.tool_choice?.type === 'tool' ? body.tool_choice.name : 'record_findings';
  let stop: Anthropic.StopReason = 'tool_use';
  if (reply.kind === 'text') {
    content.push({ type: 'text', text: reply.text, citations: null });
    stop = 'end_turn';
  } else if (reply.kind === 'max_tokens') {
    content.push({
      type: 'tool_use',
      id: `toolu_${randomUUID()}`,
      name,
      input: {},
      caller: { type: 'direct' },
    } as Anthropic.ToolUseBlock);
    stop = 'max_tokens';
  } else {
    const input = reply.kind === 'findings' ? { findings: reply.findings } : reply.input;
    content.push({
      type: 'tool_use',
      id: `toolu_${randomUUID()}`,
      name,
      input,
      caller: { type: 'direct' },
    } as Anthropic.ToolUseBlock);
  }
  const output = tokens(JSON.stringify(content));
  return {
    id: `msg_${randomUUID()}`,
    type: 'message',
    role: 'assistant',
    model: body.model,
    content,
    stop_reason: stop,
    stop_sequence: null,
    usage: {
      input_tokens: Math.max(total - read - written, 0),
      output_tokens: output,
      cache_creation_input_tokens: written,
      cache_read_input_tokens: read,
    },
  } as Anthropic.Message;
}
