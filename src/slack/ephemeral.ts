import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';

/**
 * A reply only the clicking person sees, in the channel of the click; a click with no
 * channel (a modal, the Home tab) gets none. `text` is the fallback when blocks are given.
 */
export function ephemeralOf(client: WebClient) {
  return (
    channel: string | undefined,
    user: string,
    text: string,
    blocks?: KnownBlock[],
  ): Promise<void> =>
    channel
      ? client.chat
          .postEphemeral({ channel, user, text, ...(blocks ? { blocks } : {}) })
          .then(() => undefined)
      : Promise.resolve();
}

/**
 * Whether a key is seen for the first time in `windowMs` (per process): a person clicking
 * a decided card twenty times is told once. Old keys are dropped as new ones arrive.
 */
export function oncePer(windowMs: number, now: () => number = Date.now): (key: string) => boolean {
  const seen = new Map<string, number>();
  return (key) => {
    const t = now();
    for (const [k, at] of seen) {
      if (t - at < windowMs) break;
      seen.delete(k);
    }
    const last = seen.get(key);
    if (last !== undefined && t - last < windowMs) return false;
    seen.delete(key);
    seen.set(key, t);
    return true;
  };
}
