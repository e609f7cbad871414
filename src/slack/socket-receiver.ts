import type { App, Receiver } from '@slack/bolt';
import { SocketModeClient } from '@slack/socket-mode';
import type { Logger } from '../logger.js';
import { boltLogger } from './bolt-logger.js';

/**
 * Socket Mode for Bolt, with the Web API base configurable (Bolt's own receiver does not
 * pass it to `apps.connections.open`, so a local stand-in could not be used). Events
 * arrive over the WebSocket and go through the same listeners as HTTP; Slack may
 * redeliver an envelope, which the proposal state machine makes a no-op.
 */
export class SocketModeReceiverWithApiUrl implements Receiver {
  private app: App | undefined;
  readonly client: SocketModeClient;

  constructor(options: { appToken: string; apiUrl?: string; logger: Logger }) {
    this.client = new SocketModeClient({
      appToken: options.appToken,
      logger: boltLogger(options.logger),
      ...(options.apiUrl
        ? { clientOptions: { slackApiUrl: `${options.apiUrl.replace(/\/$/, '')}/` } }
        : {}),
    });
    this.client.on('slack_event', async ({ ack, body, retry_num, retry_reason }) => {
      if (!this.app) return;
      await this.app.processEvent({
        body,
        ack: async (response?: unknown) => ack(response as Record<string, unknown> | undefined),
        ...(retry_num !== undefined ? { retryNum: retry_num } : {}),
        ...(retry_reason !== undefined ? { retryReason: retry_reason } : {}),
      });
    });
  }

  init(app: App): void {
    this.app = app;
  }

  start(): Promise<unknown> {
    return this.client.start();
  }

  stop(): Promise<unknown> {
    return this.client.disconnect();
  }
}
