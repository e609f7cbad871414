import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { isValidSlackRequest } from '@slack/bolt';
import { z } from 'zod';

/**
 * What Scout lets through to Bolt (docs/guarantees.md#g22). Bolt trusts a signed body's shape: a
 * signed `payload=null` throws inside its receiver, outside any handler, and stops the
 * process. So every request is read, its signature checked and its shape checked here
 * first; only a signed body of a shape Scout handles reaches Bolt, already buffered.
 */
export type GateVerdict =
  | { readonly pass: true; readonly rawBody: Buffer }
  | { readonly pass: false; readonly status: 200 | 400 | 401 | 413; readonly reason: string };

/**
 * What Scout's listeners answer. A well-formed request for anything else is acknowledged
 * (200, empty) here: Bolt would hold it until its unhandled-request timeout.
 */
export interface Handled {
  action(actionId: string): boolean;
  readonly views: ReadonlySet<string>;
  readonly commands: ReadonlySet<string>;
  /** Event types Scout listens to (the App Home's `app_home_opened`). */
  readonly events?: ReadonlySet<string>;
}

const FORM = 'application/x-www-form-urlencoded';

const id = z.string().min(1).max(255);
/**
 * Slack's user, team, enterprise and channel ids. Bolt indexes plain objects by team id,
 * so a signed `team_id=constructor` reached `Object.prototype` and threw: ids are checked.
 */
const slackId = z.string().regex(/^[A-Z0-9]{2,40}$/);
const user = z.looseObject({ id: slackId, team_id: slackId.optional() });
const optionalRef = z.looseObject({ id: slackId }).nullish();

const blockAction = z.looseObject({
  type: z.string().max(100),
  action_id: z.string().min(1).max(255),
  block_id: z.string().max(255).optional(),
  value: z.string().max(2000).optional(),
  selected_option: z.looseObject({ value: z.string().max(2000) }).nullish(),
});

/** The interactive payloads and events Scout's listeners read, field by field as Bolt reads them. */
const interactive = z.discriminatedUnion('type', [
  z.looseObject({
    type: z.literal('block_actions'),
    user,
    actions: z.array(blockAction).min(1).max(25),
    channel: optionalRef,
    team: optionalRef,
    enterprise: optionalRef,
    container: z.looseObject({}).nullish(),
    view: z.looseObject({}).nullish(),
    trigger_id: z.string().max(255).optional(),
    response_url: z.url().optional(),
  }),
  z.looseObject({
    type: z.enum(['view_submission', 'view_closed']),
    user,
    team: optionalRef,
    enterprise: optionalRef,
    view: z.looseObject({
      id: id.optional(),
      callback_id: z.string().max(255),
      private_metadata: z.string().max(3000).optional(),
      state: z
        .looseObject({
          values: z.record(z.string(), z.record(z.string(), z.looseObject({}))),
        })
        .optional(),
    }),
  }),
  z.looseObject({
    type: z.literal('event_callback'),
    team_id: slackId,
    enterprise_id: slackId.nullish(),
    api_app_id: id.optional(),
    event: z.looseObject({ type: z.string().min(1).max(100) }),
  }),
  z.looseObject({ type: z.literal('url_verification'), challenge: z.string().max(500) }),
]);

const slashCommand = z.looseObject({
  command: z.string().regex(/^\/[\w-]{1,32}$/),
  text: z.string().max(4000).optional(),
  user_id: slackId,
  channel_id: slackId.optional(),
  team_id: slackId.optional(),
  enterprise_id: slackId.optional(),
  trigger_id: z.string().max(255).optional(),
  response_url: z.url().optional(),
});

/** Reads the body (bounded), then decides: 401 unsigned, 413 too big, 400 not a shape Scout handles. */
export async function gateSlackRequest(
  req: IncomingMessage,
  options: { signingSecret: string; bodyLimit: number; nowMs: number; handled: Handled },
): Promise<GateVerdict> {
  const rawBody = await readBounded(req, options.bodyLimit);
  if (rawBody === null)
    return { pass: false, status: 413, reason: `body over ${options.bodyLimit} bytes` };
  const text = rawBody.toString('utf8');
  const contentType = req.headers['content-type'];
  // Bolt answers Slack's unsigned SSL probe itself, after stripping anything smuggled beside it.
  if (contentType === FORM && parseQuery(text).ssl_check === '1') return { pass: true, rawBody };
  const signature = req.headers['x-slack-signature'];
  const timestamp = req.headers['x-slack-request-timestamp'];
  if (
    typeof signature !== 'string' ||
    typeof timestamp !== 'string' ||
    !isValidSlackRequest({
      signingSecret: options.signingSecret,
      body: text,
      headers: { 'x-slack-signature': signature, 'x-slack-request-timestamp': Number(timestamp) },
      nowMilliseconds: options.nowMs,
    })
  )
    return { pass: false, status: 401, reason: 'signature or timestamp did not verify' };
  const shape = checkShape(text, contentType);
  if (!shape.ok) return { pass: false, status: 400, reason: shape.problem };
  const unhandled = unhandledPart(shape.body, options.handled);
  return unhandled === null
    ? { pass: true, rawBody }
    : { pass: false, status: 200, reason: `nothing handles ${unhandled}` };
}

/**
 * Socket Mode's frames (docs/guarantees.md#g22): the WebSocket from Slack carries the same payloads as
 * HTTP, wrapped in an envelope, and the Socket Mode client trusts their shape just as
 * Bolt's HTTP receiver does (`payload: null` threw outside any handler and stopped the
 * process). Control frames pass; a payload frame needs an id and an object payload.
 */
const payloadFrame = {
  envelope_id: z.string().min(1).max(255),
  retry_attempt: z.number().int().min(0).max(100).optional(),
  retry_reason: z.string().max(100).optional(),
  accepts_response_payload: z.boolean().optional(),
};
const socketEnvelope = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('hello') }),
  z.looseObject({ type: z.literal('disconnect'), reason: z.string().max(200).optional() }),
  z.looseObject({
    ...payloadFrame,
    type: z.enum(['interactive', 'slash_commands']),
    payload: z.looseObject({}),
  }),
  // The client reads `payload.event.type` of an Events API frame itself.
  z.looseObject({
    ...payloadFrame,
    type: z.literal('events_api'),
    payload: z.looseObject({ event: z.looseObject({ type: z.string().min(1).max(100) }) }),
  }),
]);

export type SocketPayloadKind = 'events_api' | 'interactive' | 'slash_commands';

/** Which payload types each kind of envelope may carry (HTTP-only ones such as url_verification never). */
const SOCKET_TYPES: Record<Exclude<SocketPayloadKind, 'slash_commands'>, readonly string[]> = {
  events_api: ['event_callback'],
  interactive: ['block_actions', 'view_submission', 'view_closed'],
};

/** Checks one WebSocket frame's envelope before the Socket Mode client reads it. */
export function gateSocketFrame(
  text: string,
  bodyLimit: number,
): { pass: true } | { pass: false; reason: string } {
  if (Buffer.byteLength(text, 'utf8') > bodyLimit)
    return { pass: false, reason: `frame over ${bodyLimit} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { pass: false, reason: 'frame is not JSON' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { pass: false, reason: 'frame is not a JSON object' };
  const parsed = socketEnvelope.safeParse(value);
  if (parsed.success) return { pass: true };
  const first = parsed.error.issues[0];
  return {
    pass: false,
    reason: `frame has an unexpected shape at ${first?.path.join('.') || '(top level)'}`,
  };
}

/**
 * Checks an envelope's payload as {@link gateSlackRequest} checks an HTTP body: `ack` true
 * for a well-formed payload nothing handles (acknowledged, as HTTP answers 200).
 */
export function gateSocketPayload(
  kind: SocketPayloadKind,
  payload: unknown,
  handled: Handled,
): { pass: true } | { pass: false; ack: boolean; reason: string } {
  let shape: ShapeCheck;
  if (kind === 'slash_commands') {
    shape = commandValue(payload);
  } else {
    shape = interactiveValue(payload, 'payload');
    const type = shape.ok && shape.body.kind === 'interactive' ? shape.body.value.type : null;
    if (type !== null && !SOCKET_TYPES[kind].includes(type))
      shape = { ok: false, problem: `a ${kind} envelope carrying ${type}` };
  }
  if (!shape.ok) return { pass: false, ack: false, reason: shape.problem };
  const unhandled = unhandledPart(shape.body, handled);
  return unhandled === null
    ? { pass: true }
    : { pass: false, ack: true, reason: `nothing handles ${unhandled}` };
}

type Shaped =
  | { kind: 'interactive'; value: z.output<typeof interactive> }
  | { kind: 'command'; value: z.output<typeof slashCommand> };
type ShapeCheck = { ok: true; body: Shaped } | { ok: false; problem: string };

function unhandledPart(body: Shaped, handled: Handled): string | null {
  if (body.kind === 'command')
    return handled.commands.has(body.value.command) ? null : `command ${body.value.command}`;
  const v = body.value;
  switch (v.type) {
    case 'block_actions':
      return v.actions.every((a) => handled.action(a.action_id)) ? null : 'that action';
    case 'view_submission':
    case 'view_closed':
      return handled.views.has(v.view.callback_id) ? null : 'that view';
    case 'event_callback':
      return handled.events?.has(v.event.type) ? null : `event ${v.event.type}`;
    case 'url_verification':
      return null;
  }
}

/** Mirrors how Bolt reads a body (form only for exactly that content type), then checks the shape. */
function checkShape(text: string, contentType: string | undefined): ShapeCheck {
  if (contentType === FORM) {
    const fields = parseQuery(text);
    if ('payload' in fields) {
      const payload = fields.payload;
      if (typeof payload !== 'string')
        return { ok: false, problem: 'payload given more than once' };
      return interactiveBody(payload, 'payload');
    }
    return commandValue(fields);
  }
  return interactiveBody(text, 'body');
}

/** A slash command's fields: form fields over HTTP, an envelope's payload in Socket Mode. */
function commandValue(fields: unknown): ShapeCheck {
  const command = slashCommand.safeParse(fields);
  return command.success
    ? { ok: true, body: { kind: 'command', value: command.data } }
    : { ok: false, problem: 'not a slash command Scout can read' };
}

function interactiveBody(json: string, what: string): ShapeCheck {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, problem: `${what} is not JSON` };
  }
  return interactiveValue(value, what);
}

function interactiveValue(value: unknown, what: string): ShapeCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return { ok: false, problem: `${what} is not a JSON object` };
  const parsed = interactive.safeParse(value);
  if (parsed.success) return { ok: true, body: { kind: 'interactive', value: parsed.data } };
  const first = parsed.error.issues[0];
  return {
    ok: false,
    problem: `${what} has an unexpected shape at ${first?.path.join('.') || '(top level)'}`,
  };
}

async function readBounded(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Past the limit the rest is drained, not kept, so the 413 still reaches the client.
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size <= limit) chunks.push(chunk as Buffer);
  }
  return size > limit ? null : Buffer.concat(chunks);
}
