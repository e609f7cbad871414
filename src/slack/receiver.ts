import type { IncomingMessage, ServerResponse } from 'node:http';
import * as bolt from '@slack/bolt';
import type { Logger } from '../logger.js';
import { boltLogger } from './bolt-logger.js';
import { gateSlackRequest, type Handled } from './request-gate.js';
import { SocketModeReceiverWithApiUrl } from './socket-receiver.js';

/** Slack allows a request up to five minutes old; Bolt checks only that bound, we also refuse the future. */
const MAX_SKEW_SECONDS = 300;
const BODY_LIMIT = 256 * 1024;

export interface ReceiverOptions {
  readonly signingSecret: string;
  readonly appToken?: string;
  readonly apiUrl?: string;
  readonly clock: () => Date;
  readonly handled: Handled;
  readonly logger: Logger;
}

/**
 * How Slack reaches the app: an `xapp-` token means Socket Mode (events over a WebSocket),
 * otherwise `/slack/events` over HTTP, where every request passes the request gate first.
 */
export function createReceiver(options: ReceiverOptions) {
  const { logger: log, handled } = options;
  const socket = options.appToken
    ? new SocketModeReceiverWithApiUrl({
        appToken: options.appToken,
        logger: log,
        handled,
        bodyLimit: BODY_LIMIT,
        ...(options.apiUrl ? { apiUrl: options.apiUrl } : {}),
      })
    : null;
  const http = socket
    ? null
    : new bolt.HTTPReceiver({
        signingSecret: options.signingSecret,
        endpoints: '/slack/events',
        logger: boltLogger(log),
        bodyLimit: BODY_LIMIT,
        unhandledRequestTimeoutMillis: 2500,
        unhandledRequestHandler: ({ response }) => {
          log.warn(
            'a Slack request was not acknowledged within 2.5 s: answered 404, and its listener goes on',
          );
          answerUnacknowledged(response);
        },
        // A listener's failure is logged with its reason and answered; it never reaches the process.
        processEventErrorHandler: async (args) => {
          log.error({ err: args.error.message }, 'a Slack request failed in a listener');
          return bolt.HTTPModuleFunctions.defaultProcessEventErrorHandler(args);
        },
      });
  return {
    receiver: socket ?? (http as InstanceType<typeof bolt.HTTPReceiver>),
    /** Whether the app holds a WebSocket to connect and close (Socket Mode). */
    socketMode: socket !== null,
    /** The HTTP handler for `/slack/events` (signature, timestamp and body checks included). */
    handle(req: IncomingMessage, res: ServerResponse): void {
      if (!http) {
        res.writeHead(404).end();
        return;
      }
      const ts = Number(req.headers['x-slack-request-timestamp']);
      if (Number.isFinite(ts) && ts - options.clock().getTime() / 1000 > MAX_SKEW_SECONDS) {
        log.warn({ ts }, 'refused a Slack request dated in the future');
        res.writeHead(401).end();
        return;
      }
      gateSlackRequest(req, {
        signingSecret: options.signingSecret,
        bodyLimit: BODY_LIMIT,
        nowMs: options.clock().getTime(),
        handled,
      })
        .then((verdict) => {
          if (!verdict.pass) {
            log[verdict.status === 200 ? 'debug' : 'warn'](
              { status: verdict.status, reason: verdict.reason },
              'refused a Slack request',
            );
            res.writeHead(verdict.status).end();
            return;
          }
          // Bolt reads an already-buffered body as is (its `rawBody`) instead of the spent stream.
          Object.assign(req, { rawBody: verdict.rawBody });
          http.requestListener(req, res);
        })
        .catch((error: unknown) => {
          log.error({ err: (error as Error).message }, 'a Slack request failed before Bolt');
          if (!res.headersSent) res.writeHead(400).end();
        });
    },
  };
}

/**
 * Slack gave up on a request its listener has not acknowledged yet (a slow database, an
 * overloaded process). Its decision may commit after this, so the listener's late ack must
 * not throw on the answered response: it would stop the listener before the follow-ups (the
 * card's redraw, the apply's relay) that the committed decision needs.
 */
function answerUnacknowledged(response: ServerResponse): void {
  if (!response.headersSent) response.writeHead(404).end();
  response.writeHead = (() => response) as ServerResponse['writeHead'];
  response.end = (() => response) as ServerResponse['end'];
}
