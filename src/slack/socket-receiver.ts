import type { App, Receiver } from '@slack/bolt';
import { SocketModeClient, type SocketModeOptions } from '@slack/socket-mode';
import type { Logger } from '../logger.js';
import { boltLogger } from './bolt-logger.js';
import {
  gateSocketFrame,
  gateSocketPayload,
  type Handled,
  type SocketPayloadKind,
} from './request-gate.js';

/**
 * The Socket Mode client with every frame checked before it reads it (docs/guarantees.md#g22): a
 * frame that is not an object, or a payload frame whose payload is not an object, threw
 * inside the client (outside any handler) and stopped the process. Refused frames are
 * logged and dropped, unacknowledged, as HTTP answers 400; nothing it does is fatal.
 */
class GatedSocketModeClient extends SocketModeClient {
  constructor(
    options: SocketModeOptions,
    private readonly gate: { bodyLimit: number; log: Logger },
  ) {
    super(options);
  }

  protected override async onWebSocketMessage(
    data: string | ArrayBuffer,
    isBinary: boolean,
  ): Promise<void> {
    try {
      if (!isBinary) {
        const text = typeof data === 'string' ? data : new TextDecoder().decode(data);
        const verdict = gateSocketFrame(text, this.gate.bodyLimit);
        if (!verdict.pass) {
          this.gate.log.warn({ reason: verdict.reason }, 'refused a Slack Socket Mode frame');
          return;
        }
      }
      await super.onWebSocketMessage(data, isBinary);
    } catch (error) {
      this.gate.log.error(
        { err: (error as Error).message },
        'a Slack Socket Mode frame failed before Bolt',
      );
    }
  }
}

/**
 * Socket Mode for Bolt, with the Web API base configurable (Bolt's own receiver does not
 * pass it to `apps.connections.open`, so a local stand-in could not be used). Events
 * arrive over the WebSocket and go through the same checks and listeners as HTTP; Slack
 * may redeliver an envelope, which the proposal state machine makes a no-op.
 */
export class SocketModeReceiverWithApiUrl implements Receiver {
  private app: App | undefined;
  readonly client: SocketModeClient;

  constructor(options: {
    appToken: string;
    apiUrl?: string;
    logger: Logger;
    handled: Handled;
    bodyLimit: number;
  }) {
    const log = options.logger;
    this.client = new GatedSocketModeClient(
      {
        appToken: options.appToken,
        logger: boltLogger(log),
        ...(options.apiUrl
          ? { clientOptions: { slackApiUrl: `${options.apiUrl.replace(/\/$/, '')}/` } }
          : {}),
      },
      { bodyLimit: options.bodyLimit, log },
    );
    this.client.on('slack_event', async ({ ack, body, type, retry_num, retry_reason }) => {
      try {
        const verdict = gateSocketPayload(type as SocketPayloadKind, body, options.handled);
        if (!verdict.pass) {
          log[verdict.ack ? 'debug' : 'warn'](
            { envelope_type: type, reason: verdict.reason },
            'refused a Slack Socket Mode envelope',
          );
          if (verdict.ack) await ack();
          return;
        }
        if (!this.app) return;
        await this.app.processEvent({
          body,
          ack: async (response?: unknown) => ack(response as Record<string, unknown> | undefined),
          ...(retry_num !== undefined ? { retryNum: retry_num } : {}),
          ...(retry_reason !== undefined ? { retryReason: retry_reason } : {}),
        });
      } catch (error) {
        // A listener's failure is logged with its reason; it never reaches the process.
        log.error(
          { err: (error as Error).message, envelope_type: type },
          'a Slack Socket Mode envelope failed in a listener',
        );
      }
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
