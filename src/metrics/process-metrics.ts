import { Counter, Histogram, Registry } from 'prom-client';

/**
 * Metrics only this process can see, as they happen: CRM requests and Slack acks. Kept
 * in a registry of their own so the CRM clients can count without being handed one;
 * each process's `/metrics` merges it with the gauges read from Postgres.
 */
export const processRegistry = new Registry();

const crmRequests = new Counter({
  name: 'scout_crm_requests_total',
  help: 'CRM API requests this process sent, retries included, by CRM and outcome (ok, rate_limited, client_error, server_error, no_answer)',
  labelNames: ['crm', 'outcome'] as const,
  registers: [processRegistry],
});

const crmRateLimited = new Counter({
  name: 'scout_crm_rate_limited_total',
  help: 'CRM API answers that were HTTP 429 (rate limited), by CRM',
  labelNames: ['crm'] as const,
  registers: [processRegistry],
});

const slackAck = new Histogram({
  name: 'scout_slack_ack_seconds',
  help: 'Time from receiving a Slack request on /slack/events to sending the answer Slack waits for (it gives up at 3 s)',
  buckets: [0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5],
  registers: [processRegistry],
});

/** The outcome label of a CRM answer's HTTP status; 0 means no answer arrived. */
export function crmOutcome(status: number): string {
  if (status === 0) return 'no_answer';
  if (status === 429) return 'rate_limited';
  if (status >= 500) return 'server_error';
  if (status >= 400) return 'client_error';
  return 'ok';
}

/** Called by remote CRM clients for every answer (or its absence). */
export function noteCrmAnswer(crm: string, status: number): void {
  crmRequests.inc({ crm, outcome: crmOutcome(status) });
  if (status === 429) crmRateLimited.inc({ crm });
}

export function observeSlackAck(seconds: number): void {
  slackAck.observe(seconds);
}
