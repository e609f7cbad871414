import { createHmac } from 'node:crypto';

/** Signs a request body exactly as Slack does: HMAC-SHA256 over `v0:<timestamp>:<body>`. */
export function slackHeaders(
  body: string,
  secret: string,
  timestamp = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    'content-type': 'application/x-www-form-urlencoded',
    'x-slack-request-timestamp': String(timestamp),
    'x-slack-signature': signature,
  };
}

/** An interactivity request body: `payload=<url-encoded JSON>`. */
export function payloadBody(payload: unknown): string {
  return `payload=${encodeURIComponent(JSON.stringify(payload))}`;
}

/** A slash-command body. */
export function commandBody(fields: Record<string, string>): string {
  return new URLSearchParams(fields).toString();
}
