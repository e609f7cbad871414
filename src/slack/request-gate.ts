import type { IncomingMessage } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import { isValidSlackRequest } from '@slack/bolt';
import { z } from 'zod';

/**
 * What Scout lets through to Bolt (SPEC G22). Bolt trusts a signed body's shape: a
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

type Shaped =
  | { kind: 'interactive'; value: z.output<typeof interactive> }
  | { kind: 'command'; value: z.output<typeof slashCommand> };

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
function checkShape(
  text: string,
  contentType: string | undefined,
): { ok: true; body: Shaped } | { ok: false; problem: string } {
  if (contentType === FORM) {
    const fields = parseQuery(text);
    if ('payload' in fields) {
      const payload = fields.payload;
      if (typeof payload !== 'string')
        return { ok: false, problem: 'payload given more than once' };
      return interactiveBody(payload, 'payload');
    }
    const command = slashCommand.safeParse(fields);
    return command.success
      ? { ok: true, body: { kind: 'command', value: command.data } }
      : { ok: false, problem: 'not a slash command Scout can read' };
  }
  return interactiveBody(text, 'body');
}

function interactiveBody(
  json: string,
  what: string,
): { ok: true; body: Shaped } | { ok: false; problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return { ok: false, problem: `${what} is not JSON` };
  }
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
