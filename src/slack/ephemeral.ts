import type { WebClient } from '@slack/web-api';

/**
 * A reply only the clicking person sees, in the channel of the click; a click with no
 * channel (a modal, the Home tab) gets none.
 */
export function ephemeralOf(client: WebClient) {
  return (channel: string | undefined, user: string, text: string): Promise<void> =>
    channel
      ? client.chat.postEphemeral({ channel, user, text }).then(() => undefined)
      : Promise.resolve();
}
