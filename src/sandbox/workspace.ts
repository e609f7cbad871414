/**
 * The state of the sandbox workspace: people, channels, messages (with their threads),
 * ephemeral messages, open modals. Everything the bot posted arrives here through the
 * Web API stand-in; the page reads it back. In memory: a restarted demo starts clean
 * and the bot reposts nothing, which matches a real workspace where old cards stay.
 */

export interface SandboxUser {
  readonly id: string;
  readonly name: string;
  readonly email: string;
  /** What the picker says about this person (owner, approver, stranger…). */
  readonly role: string;
}

export interface Channel {
  readonly id: string;
  readonly name: string;
  readonly kind: 'channel' | 'dm';
  /** For a DM: the person the bot talks to. */
  readonly user?: string;
}

export interface Message {
  readonly channel: string;
  readonly ts: string;
  readonly threadTs?: string;
  readonly user: string;
  text: string;
  blocks: unknown[];
  edited: number;
}

/** A message only one person sees (`chat.postEphemeral`, a command's answer, a response_url post). */
export interface Ephemeral {
  readonly id: number;
  /** Its own timestamp: a click on its buttons names it, as Slack does, with `is_ephemeral`. */
  readonly ts: string;
  readonly channel: string;
  readonly user: string;
  text: string;
  blocks: unknown[];
  /** `typed` for the person's own command line, else what delivered it. */
  readonly source: string;
}

export interface OpenView {
  readonly id: string;
  readonly user: string;
  view: Record<string, unknown>;
  errors: Record<string, string>;
  /** What the person submitted when the app refused it: the form keeps it, as Slack's does. */
  typed: Record<string, Record<string, string>>;
}

export const BOT_USER = 'U0SCOUTBOT';

/** Orders two timestamps of this workspace in time (seconds, then the sequence after the dot). */
export function compareTs(a: string, b: string): number {
  const [as = 0, af = 0] = a.split('.').map(Number);
  const [bs = 0, bf = 0] = b.split('.').map(Number);
  return as - bs || af - bf;
}
export const OPS_CHANNEL = 'C0OPS';

export class Workspace {
  readonly users: readonly SandboxUser[];
  readonly channels = new Map<string, Channel>();
  readonly messages: Message[] = [];
  readonly ephemerals: Ephemeral[] = [];
  readonly views = new Map<string, OpenView>();
  /** trigger_id → the user whose click made it (views.open needs to know whose screen). */
  readonly triggers = new Map<string, string>();
  /** Each person's App Home view as the bot last published it (the page does not draw it). */
  readonly homes = new Map<string, Record<string, unknown>>();
  /** Bumped on every change; the page polls it. */
  version = 0;
  /** The latest second stamped: a clock stepping back never stamps out of order. */
  private lastSecond = 0;
  private seq = 0;

  constructor(users: readonly SandboxUser[]) {
    this.users = users;
    this.channels.set(OPS_CHANNEL, { id: OPS_CHANNEL, name: 'scout-ops', kind: 'channel' });
  }

  user(id: string): SandboxUser | undefined {
    return this.users.find((u) => u.id === id);
  }

  changed(): void {
    this.version += 1;
  }

  /**
   * A Slack timestamp: the real second, and after the dot a sequence number, so that stamps
   * sort in the order things happened (`compareTs`) and no two are alike.
   */
  nextTs(): string {
    this.seq += 1;
    this.lastSecond = Math.max(this.lastSecond, Math.floor(Date.now() / 1000));
    return `${this.lastSecond}.${String(this.seq).padStart(6, '0')}`;
  }

  nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}${this.seq.toString(36).toUpperCase().padStart(6, '0')}`;
  }

  /** The bot's DM with a person, created on first use (conversations.open). */
  dmWith(userId: string): Channel {
    const id = `D${userId.replace(/^[UW]/, '')}`;
    let dm = this.channels.get(id);
    if (!dm) {
      dm = { id, name: this.user(userId)?.name ?? userId, kind: 'dm', user: userId };
      this.channels.set(id, dm);
      this.changed();
    }
    return dm;
  }

  post(input: Omit<Message, 'ts' | 'edited'>): Message {
    const message: Message = { ...input, ts: this.nextTs(), edited: 0 };
    this.messages.push(message);
    this.changed();
    return message;
  }

  find(channel: string, ts: string): Message | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  findEphemeral(channel: string, ts: string, user: string): Ephemeral | undefined {
    return this.ephemerals.find((e) => e.channel === channel && e.ts === ts && e.user === user);
  }

  postEphemeral(input: Omit<Ephemeral, 'id' | 'ts'>): Ephemeral {
    const ts = this.nextTs();
    const e = { ...input, id: this.seq, ts };
    this.ephemerals.push(e);
    this.changed();
    return e;
  }

  openView(user: string, view: Record<string, unknown>): OpenView {
    for (const [id, v] of this.views) if (v.user === user) this.views.delete(id);
    const open: OpenView = { id: this.nextId('V'), user, view, errors: {}, typed: {} };
    this.views.set(open.id, open);
    this.changed();
    return open;
  }

  closeView(id: string): void {
    this.views.delete(id);
    this.changed();
  }
}
