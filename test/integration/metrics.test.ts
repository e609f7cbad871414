import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type RunningServer, startHealthServer } from '../../src/http/health-server.js';
import { metricsEndpoint } from '../../src/metrics/metrics-endpoint.js';
import { parseMetrics, sampleValue } from '../support/prometheus.js';
import { APPROVER, createSlackHarness, type SlackHarness } from '../support/slack-harness.js';

describe('/metrics after a scripted run and clicks (G27)', () => {
  let s: SlackHarness;
  let server: RunningServer;
  beforeEach(async () => {
    s = await createSlackHarness();
    server = await startHealthServer({
      port: 0,
      host: '127.0.0.1',
      checks: [],
      logger: pino({ level: 'silent' }),
      metrics: metricsEndpoint(s.h.database.db),
    });
  });
  afterEach(async () => {
    await server.close();
    await s.close();
  });

  it('reports runs, decisions, pending proposals, queues and Slack acks with bounded labels', async () => {
    const [first, second] = await s.proposals();
    if (!first || !second) throw new Error('the harness run leaves two proposals');
    expect((await s.click('scout_approve', String(first.id), APPROVER)).status).toBe(200);
    await s.app.idle();

    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const samples = parseMetrics(await res.text());
    const value = (name: string, labels: Record<string, string> = {}) =>
      sampleValue(samples, name, labels);

    expect(value('scout_runs', { kind: 'extract', mode: 'live', requested: 'apply' })).toBe(1);
    expect(value('scout_decisions', { action: 'approved', field: String(first.field) })).toBe(1);
    expect(value('scout_decisions', { action: 'proposed', field: String(second.field) })).toBe(1);
    expect(value('scout_pending_proposals', { field: String(second.field) })).toBe(1);
    expect(
      value('scout_pending_proposal_oldest_age_seconds', { field: String(second.field) }),
    ).toBeGreaterThanOrEqual(0);
    expect(value('scout_slack_ack_seconds_count')).toBe(1);
    expect(value('scout_queue_depth', { queue: 'outbox', state: 'unrelayed' })).toBe(0);
    expect(value('scout_model_tokens', { type: 'input' })).toBe(0);
    expect(value('scout_model_cost_usd')).toBe(0);
    expect(
      value('scout_last_run_duration_seconds', { kind: 'extract', mode: 'live' }),
    ).toBeGreaterThanOrEqual(0);

    // Every name is Scout's and every label set is the documented one.
    const labelSets = new Map<string, string>();
    for (const x of samples) {
      expect(x.name.startsWith('scout_')).toBe(true);
      const base = x.name.replace(/_(bucket|sum|count)$/, '');
      const keys = Object.keys(x.labels)
        .filter((k) => k !== 'le')
        .sort()
        .join(',');
      expect(labelSets.get(base) ?? keys).toBe(keys);
      labelSets.set(base, keys);
      // Bounded: never a deal, a run, a proposal or a Slack user.
      for (const v of Object.values(x.labels)) expect(v).not.toMatch(/^(d\d+|U0|[0-9a-f]{8}-)/);
    }
    expect(Object.fromEntries(labelSets)).toMatchObject({
      scout_runs: 'kind,mode,requested,status',
      scout_decisions: 'action,field',
      scout_pending_proposals: 'field',
      scout_pending_proposal_oldest_age_seconds: 'field',
      scout_model_tokens: 'type',
      scout_model_cost_usd: '',
      scout_queue_depth: 'queue,state',
      scout_slack_ack_seconds: '',
      scout_last_run_duration_seconds: 'kind,mode',
      scout_last_run_finished_timestamp_seconds: 'kind,mode',
    });
  });
});
