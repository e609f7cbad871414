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
