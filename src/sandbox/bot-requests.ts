import { createHmac, randomBytes } from 'node:crypto';
import { BOT_USER, type Workspace } from './workspace.js';

/** Where a `response_url` leads: the conversation and person it answers. */
export interface ResponseTarget {
  readonly channel: string;
  readonly user: string;
  readonly message?: { channel: string; ts: string };
  /** The ephemeral message the click came from (replace_original replaces it). */
  readonly ephemeral?: number;
}

export interface BotRequestsOptions {
  readonly workspace: Workspace;
  /** The bot's real HTTP endpoint, e.g. http://127.0.0.1:3000/slack/events. */
  readonly botUrl: () => string;
  readonly signingSecret: string;
  /** Base of the sandbox's own URLs, for response_url. */
  readonly baseUrl: () => string;
}

export interface BotAnswer {
  readonly status: number;
  readonly body: string;
}

const TEAM = { id: 'T0SANDBOX', domain: 'scout-sandbox' };
const APP_ID = 'A0SCOUT';

/**
 * What Slack sends to an app, built from the workspace and signed with the app's signing
 * secret (HMAC-SHA256 over `v0:<timestamp>:<body>`): button clicks (`block_actions`), modal
 * submissions (`view_submission`) and slash commands, POSTed to the bot's endpoint.
 */
export function createBotRequests(options: BotRequestsOptions) {
  const { workspace } = options;
  const responseUrls = new Map<string, ResponseTarget>();

  const responseUrl = (target: ResponseTarget): string => {
    const id = randomBytes(12).toString('hex');
    responseUrls.set(id, target);
    return `${options.baseUrl()}/sandbox/response/${id}`;
  };

  async function send(body: string): Promise<BotAnswer> {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = `v0=${createHmac('sha256', options.signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
    const res = await fetch(options.botUrl(), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-slack-request-timestamp': String(timestamp),
        'x-slack-signature': signature,
      },
      body,
    });
    return { status: res.status, body: await res.text() };
  }

  const userJson = (id: string) => ({
    id,
    username: workspace.user(id)?.email.split('@')[0] ?? id.toLowerCase(),
    name: workspace.user(id)?.email.split('@')[0] ?? id.toLowerCase(),
    team_id: TEAM.id,
  });

  const newTrigger = (user: string) => {
    const trigger = `${Date.now()}.${randomBytes(6).toString('hex')}`;
    workspace.triggers.set(trigger, user);
    return trigger;
  };

  return {
    responseTarget: (id: string) => responseUrls.get(id),

    /**
     * A click on a button, or a choice in a select menu, of a message the bot posted —
     * in the channel, or ephemeral to this person (then Slack sends no `message`).
     */
    async click(input: {
      user: string;
      channel: string;
      ts: string;
      actionId: string;
      value?: string;
      /** For a select menu: the chosen option's value. */
      selected?: string;
    }): Promise<BotAnswer> {
      const message = workspace.find(input.channel, input.ts);
      const ephemeral = message
        ? undefined
        : workspace.findEphemeral(input.channel, input.ts, input.user);
      const target = message ?? ephemeral;
      if (!target) throw new SandboxInputError(`no message ${input.ts} in ${input.channel}`);
      const found = findElement(target.blocks, input.actionId, input.value);
      if (!found) throw new SandboxInputError(`no element ${input.actionId} on that message`);
      const action = actionPayload(found, input.selected);
      if (!action) throw new SandboxInputError(`no option ${input.selected} in ${input.actionId}`);
      const channel = workspace.channels.get(input.channel);
      const threadTs = message?.threadTs;
      const payload = {
        type: 'block_actions',
        user: userJson(input.user),
        api_app_id: APP_ID,
        token: 'sandbox-verification-token',
        team: TEAM,
        enterprise: null,
        is_enterprise_install: false,
        trigger_id: newTrigger(input.user),
        container: {
          type: 'message',
          message_ts: target.ts,
          channel_id: target.channel,
          is_ephemeral: ephemeral !== undefined,
          ...(threadTs ? { thread_ts: threadTs } : {}),
        },
        channel: {
          id: target.channel,
          name: channel?.kind === 'dm' ? 'directmessage' : (channel?.name ?? target.channel),
        },
        ...(message
          ? {
              message: {
                type: 'message',
                user: BOT_USER,
                ts: message.ts,
                text: message.text,
                blocks: message.blocks,
                ...(threadTs ? { thread_ts: threadTs } : {}),
              },
            }
          : {}),
        state: { values: {} },
        response_url: responseUrl({
          channel: target.channel,
          user: input.user,
          ...(message ? { message: { channel: message.channel, ts: message.ts } } : {}),
          ...(ephemeral ? { ephemeral: ephemeral.id } : {}),
        }),
        actions: [{ ...action, block_id: found.blockId, action_ts: `${Date.now() / 1000}` }],
      };
      return send(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
    },

    /** Submits an open modal with the values typed into it (keyed by block_id, then action_id). */
    async submitView(input: {
      user: string;
      viewId: string;
      values: Record<string, Record<string, string>>;
    }): Promise<BotAnswer> {
      const open = workspace.views.get(input.viewId);
      if (!open || open.user !== input.user)
        throw new SandboxInputError('that modal is not open for this person');
      const state = viewState(open.view, input.values);
      const payload = {
        type: 'view_submission',
        team: TEAM,
        user: userJson(input.user),
        api_app_id: APP_ID,
        token: 'sandbox-verification-token',
        trigger_id: newTrigger(input.user),
        view: {
          id: open.id,
          team_id: TEAM.id,
          app_id: APP_ID,
          bot_id: 'B0SCOUT',
          hash: `${Date.now()}.${randomBytes(4).toString('hex')}`,
          previous_view_id: null,
          root_view_id: open.id,
          ...open.view,
          state: { values: state },
        },
        response_urls: [],
        is_enterprise_install: false,
        enterprise: null,
      };
      const answer = await send(`payload=${encodeURIComponent(JSON.stringify(payload))}`);
      const ack = parseAck(answer.body);
      if (answer.status === 200 && ack?.response_action === 'errors') {
        open.errors = (ack.errors as Record<string, string>) ?? {};
        open.typed = input.values;
        workspace.changed();
      } else if (answer.status === 200) {
        workspace.closeView(open.id);
      }
      return answer;
    },

    /** A slash command typed in a channel's message box; an immediate answer shows as Slack shows it. */
    async command(input: {
      user: string;
      channel: string;
      command: string;
      text: string;
    }): Promise<BotAnswer> {
      const channel = workspace.channels.get(input.channel);
      if (!channel) throw new SandboxInputError(`no channel ${input.channel}`);
      const body = new URLSearchParams({
        token: 'sandbox-verification-token',
        team_id: TEAM.id,
        team_domain: TEAM.domain,
        channel_id: channel.id,
        channel_name: channel.kind === 'dm' ? 'directmessage' : channel.name,
        user_id: input.user,
        user_name: userJson(input.user).username,
        command: input.command,
        text: input.text,
        api_app_id: APP_ID,
        is_enterprise_install: 'false',
        response_url: responseUrl({ channel: channel.id, user: input.user }),
        trigger_id: newTrigger(input.user),
      }).toString();
      workspace.postEphemeral({
        channel: channel.id,
        user: input.user,
        text: `${input.command} ${input.text}`.trim(),
        blocks: [],
        source: 'typed',
      });
      const answer = await send(body);
      const ack = parseAck(answer.body);
      if (answer.status === 200 && ack) deliver({ channel: channel.id, user: input.user }, ack);
      else if (answer.status === 200 && answer.body.trim() !== '')
        deliver({ channel: channel.id, user: input.user }, { text: answer.body });
      else if (answer.status !== 200)
        workspace.postEphemeral({
          channel: channel.id,
          user: input.user,
          text: `${input.command} failed with "http_${answer.status}" (the app did not answer as Slack expects)`,
          blocks: [],
          source: 'slackbot',
        });
      return answer;
    },

    /** A POST to a response_url: an ephemeral reply, a message in the channel, or a replaced original. */
    respond(id: string, message: Record<string, unknown>): boolean {
      const target = responseUrls.get(id);
      if (!target) return false;
      deliver(target, message);
      return true;
    },
  };

  function deliver(target: ResponseTarget, message: Record<string, unknown>): void {
    const text = typeof message.text === 'string' ? message.text : '';
    const blocks = Array.isArray(message.blocks) ? (message.blocks as unknown[]) : [];
    if (target.message && message.delete_original === true) {
      const i = workspace.messages.findIndex(
        (m) => m.channel === target.message?.channel && m.ts === target.message?.ts,
      );
      if (i >= 0) workspace.messages.splice(i, 1);
      workspace.changed();
      return;
    }
    const own = workspace.ephemerals.find((e) => e.id === target.ephemeral);
    if (own && (message.delete_original === true || message.replace_original === true)) {
      if (message.delete_original === true)
        workspace.ephemerals.splice(workspace.ephemerals.indexOf(own), 1);
      else {
        own.text = text;
        own.blocks = blocks;
      }
      workspace.changed();
      return;
    }
    if (target.message && message.replace_original === true) {
      const original = workspace.find(target.message.channel, target.message.ts);
      if (original) {
        original.text = text;
        original.blocks = blocks;
        original.edited += 1;
        workspace.changed();
        return;
      }
    }
    if (message.response_type === 'in_channel') {
      workspace.post({ channel: target.channel, user: BOT_USER, text, blocks });
      return;
    }
    workspace.postEphemeral({
      channel: target.channel,
      user: target.user,
      text,
      blocks,
      source: 'response',
    });
  }
}

export type BotRequests = ReturnType<typeof createBotRequests>;

/** A sandbox request that names something that does not exist (answered 400). */
export class SandboxInputError extends Error {}

interface InteractiveElement {
  type: string;
  action_id: string;
  value?: string;
  style?: string;
  text?: unknown;
  placeholder?: unknown;
  options?: Array<{ text: unknown; value: string }>;
}

function findElement(
  blocks: unknown[],
  actionId: string,
  value: string | undefined,
): { blockId: string; element: InteractiveElement } | null {
  for (const block of blocks as Array<Record<string, unknown>>) {
    const elements = [
      ...(Array.isArray(block.elements) ? block.elements : []),
      ...(block.accessory ? [block.accessory] : []),
    ] as InteractiveElement[];
    for (const e of elements) {
      if (e?.action_id !== actionId) continue;
      if (e.type === 'button' && (value === undefined || e.value === value))
        return { blockId: String(block.block_id ?? ''), element: e };
      if (e.type === 'static_select') return { blockId: String(block.block_id ?? ''), element: e };
    }
  }
  return null;
}

/** The `actions[0]` Slack sends for a button press or a select-menu choice. */
function actionPayload(
  found: { element: InteractiveElement },
  selected: string | undefined,
): Record<string, unknown> | null {
  const e = found.element;
  if (e.type === 'button')
    return {
      type: 'button',
      action_id: e.action_id,
      text: e.text,
      ...(e.value !== undefined ? { value: e.value } : {}),
      ...(e.style ? { style: e.style } : {}),
    };
  const option = (e.options ?? []).find((o) => o.value === selected);
  if (!option) return null;
  return {
    type: 'static_select',
    action_id: e.action_id,
    selected_option: option,
    ...(e.placeholder ? { placeholder: e.placeholder } : {}),
  };
}

/** `view.state.values` in Slack's shape for each input element type Scout's modals use. */
function viewState(
  view: Record<string, unknown>,
  typed: Record<string, Record<string, string>>,
): Record<string, Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const block of (view.blocks ?? []) as Array<Record<string, unknown>>) {
    if (block.type !== 'input') continue;
    const element = block.element as Record<string, unknown>;
    const blockId = String(block.block_id ?? '');
    const actionId = String(element.action_id ?? '');
    const raw = typed[blockId]?.[actionId] ?? '';
    const value = raw === '' ? null : raw;
    let state: Record<string, unknown>;
    switch (element.type) {
      case 'datepicker':
        state = { type: 'datepicker', selected_date: value };
        break;
      case 'static_select': {
        const option = ((element.options ?? []) as Array<{ value: string; text: unknown }>).find(
          (o) => o.value === raw,
        );
        state = { type: 'static_select', selected_option: option ?? null };
        break;
      }
      case 'users_select':
        state = { type: 'users_select', selected_user: value };
        break;
      case 'number_input':
        state = { type: 'number_input', value };
        break;
      default:
        state = { type: String(element.type), value };
    }
    out[blockId] = { [actionId]: state };
  }
  return out;
}

function parseAck(body: string): Record<string, unknown> | null {
  if (body.trim() === '') return null;
  try {
    const parsed = JSON.parse(body) as unknown;
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}
