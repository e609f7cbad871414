import { TOKEN_HEADER } from './request-guard.js';
import type { Channel, Ephemeral, Message, OpenView, SandboxUser } from './workspace.js';

export interface SandboxState {
  readonly version: number;
  readonly users: SandboxUser[];
  readonly channels: Channel[];
  readonly messages: Message[];
  readonly ephemerals: Ephemeral[];
  readonly views: OpenView[];
}

export interface BotAnswerJson {
  readonly status: number;
  readonly body: string;
}

/**
 * The sandbox's JSON interface, as the page uses it: read the workspace, click a button,
 * submit a modal, type in the message box. `scout demo --check` drives the demo with it.
 */
export function sandboxClient(sandbox: { readonly url: string; readonly token: string }) {
  const baseUrl = sandbox.url;
  const post = async <T>(path: string, body: unknown): Promise<T> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      // What the sandbox's own page sends: its origin and the token it was given.
      headers: {
        'content-type': 'application/json',
        origin: new URL(baseUrl).origin,
        [TOKEN_HEADER]: sandbox.token,
      },
      body: JSON.stringify(body),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`sandbox ${path} answered ${res.status}: ${text}`);
    return JSON.parse(text) as T;
  };
  return {
    async state(): Promise<SandboxState> {
      const res = await fetch(`${baseUrl}/sandbox/api/state`);
      if (!res.ok) throw new Error(`sandbox state answered ${res.status}`);
      return (await res.json()) as SandboxState;
    },
    click: (input: { user: string; channel: string; ts: string; actionId: string }) =>
      post<BotAnswerJson>('/sandbox/api/click', input),
    submitView: (input: {
      user: string;
      viewId: string;
      values: Record<string, Record<string, string>>;
    }) => post<BotAnswerJson>('/sandbox/api/view-submit', input),
    type: (input: { user: string; channel: string; text: string }) =>
      post<BotAnswerJson>('/sandbox/api/message', input),
    control: (id: string) => post<{ message: string }>('/sandbox/api/control', { id }),
    /** Polls the state until `pick` returns something, or fails saying what it waited for. */
    async waitFor<T>(
      what: string,
      pick: (s: SandboxState) => T | undefined | null | false,
      timeoutMs = 20_000,
    ): Promise<T> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = pick(await this.state());
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

export type SandboxClient = ReturnType<typeof sandboxClient>;

/** Plain text of a message's blocks (every `text` field, depth first), for matching and checks. */
export function blockText(blocks: unknown): string {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (typeof o.text === 'string') out.push(o.text);
      for (const [k, child] of Object.entries(o))
        if (k !== 'text' || typeof child !== 'string') walk(child);
    }
  };
  walk(blocks);
  return out.join('\n');
}

/** A live (not dry-run) approval card in a channel whose fallback text names this field and deal. */
export function findCard(
  state: SandboxState,
  channel: string,
  field: string,
  deal: string,
): Message | undefined {
  return state.messages.find(
    (m) =>
      m.channel === channel &&
      m.threadTs !== undefined &&
      m.text.startsWith(`Scout proposes ${field} for ${deal}`),
  );
}
