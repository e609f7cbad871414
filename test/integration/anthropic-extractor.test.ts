import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createAnthropicExtractor } from '../../src/extraction/anthropic-extractor.js';
import { type AnthropicStandIn, startAnthropicStandIn } from '../support/anthropic-stand-in.js';
import { exampleReplies } from '../support/example-replies.js';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from '../support/scout-env.js';

const formatted = (text: string) => text.split('\n').slice(0, 4).join('\n');

const CANARIES = {
  SLACK_APP_TOKEN: 'xapp-canary-0000-slack-app',
  SLACK_SIGNING_SECRET: 'canary-signing-secret-1111',
  HUBSPOT_ACCESS_TOKEN: 'pat-canary-2222-hubspot',
};

describe('the Claude extractor against a Messages API stand-in, through the real SDK', () => {
  let api: AnthropicStandIn;
  let h: ScoutHarness;
  let env: Record<string, string>;
  beforeEach(async () => {
    api = await startAnthropicStandIn();
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    api.reply = exampleReplies();
    env = {
      SCOUT_EXTRACTOR: 'anthropic',
      SCOUT_REPLAY_FILE: '',
      ANTHROPIC_API_KEY: api.apiKey,
      ANTHROPIC_BASE_URL: api.url,
      ...CANARIES,
    };
  });
  afterEach(async () => {
    await api.close();
    await h.database.destroy();
  });

  it('makes the same decisions as the replay of the same answers, one call per deal with new notes', async () => {
    const summary = await h.runJson(['--apply'], { ...env, LIVE_WRITES: '1' });
    expect(summary.counts).toMatchObject({ written: 5, proposed: 2, denied: 2 });
    expect(summary.model).toBe('claude-sonnet-5-5');
    expect(api.requests).toHaveLength(4);
    expect(api.violations).toEqual([]);
    expect((summary.usage as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
    expect(summary.estimated_cost_usd).toBeGreaterThan(0);
  });

  it('authenticates and sends a version header; the stand-in takes both auth styles', async () => {
    await h.runJson([], env);
    const first = api.requests[0];
    const sent =
      first?.headers['x-api-key'] ?? first?.headers.authorization?.replace(/^Bearer /, '');
    expect(sent).toBe(api.apiKey);
    expect(first?.headers['anthropic-version']).toEqual(expect.any(String));
    const other = await fetch(`${api.url}/v1/messages`, {
      method: 'POST',
      headers: {
        'x-api-key': api.apiKey,
        'anthropic-version': '2023-06-01',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        model: 'm',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    });
    expect(other.status).toBe(200);
    const wrong = await fetch(`${api.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'nope' },
      body: '{}',
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({
      type: 'error',
      error: { type: 'authentication_error', message: 'invalid x-api-key' },
    });
  });

  it('sends one deal per request, no secrets, and no other deal', async () => {
    await h.runJson([], env);
    for (const r of api.requests) {
      for (const canary of Object.values(CANARIES)) expect(r.raw).not.toContain(canary);
      expect(r.raw).not.toContain(api.apiKey);
      expect(r.body.tools?.map((t) => (t as { name: string }).name)).toEqual(['record_findings']);
    }
    const acme = api.requests.find((r) => r.raw.includes('Acme'));
    expect(acme?.raw).toContain('Dana Whitfield');
    expect(acme?.raw).not.toContain('Hank Scorpio');
    expect(acme?.raw).not.toContain('Initech');
  });

  it('re-running with no new notes costs zero calls; a dry run never makes a live run skip notes', async () => {
    await h.runJson([], env);
    expect(api.requests).toHaveLength(4);
    await h.runJson([], env);
    expect(api.requests).toHaveLength(8);
    const live = await h.runJson(['--apply'], { ...env, LIVE_WRITES: '1' });
    expect(api.requests).toHaveLength(12);
    expect(live.counts.written).toBe(5);
    const again = await h.runJson(['--apply'], { ...env, LIVE_WRITES: '1' });
    expect(api.requests).toHaveLength(12);
    expect(again.deals).toEqual({ extracted: 0, no_new_notes: 5, failed: 0 });
    expect(again.usage).toMatchObject({ input_tokens: 0, output_tokens: 0 });
  });

  it('reads the cached prefix on later calls', async () => {
    const summary = await h.runJson([], env);
    const usage = summary.usage as {
      cache_read_input_tokens: number;
      cache_creation_input_tokens: number;
    };
    expect(usage.cache_creation_input_tokens).toBeGreaterThan(0);
    expect(usage.cache_read_input_tokens).toBeGreaterThan(0);
    expect(summary.warnings).not.toContainEqual(expect.stringMatching(/prompt cache/));
  });

  it("clears the default model's published cache floor with the prompt as built", async () => {
    // The stand-in applies the published minimum (1,024 tokens for claude-sonnet-5-5).
    const summary = await h.runJson([], { ...env, SCOUT_EXTRACT_CONCURRENCY: '1' });
    const usage = summary.usage as { cache_read_input_tokens: number };
    expect(usage.cache_read_input_tokens).toBeGreaterThan(0);
    const first = api.requests[0]?.body;
    const prefix = JSON.stringify([first?.tools, first?.system]).length / 4;
    expect(prefix).toBeGreaterThan(2 * 1024);
  });

  it('below the model minimum caches nothing, silently, and the summary warns once', async () => {
    api.cacheFloor = () => 1_000_000;
    const summary = await h.runJson([], { ...env, SCOUT_EXTRACT_CONCURRENCY: '1' });
    expect(summary.usage).toMatchObject({
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
    });
    const warnings = (summary.warnings as string[]).filter((w) =>
      w.startsWith('prompt cache not forming'),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^prompt cache not forming: prefix ≈\d+ tokens, model minimum 1024 \(claude-sonnet-5-5\); 3 answers after the first 1 read nothing from cache/,
    );
    const text = await h.cli(['run'], { ...env, SCOUT_EXTRACT_CONCURRENCY: '1' });
    expect(text.stdout).toContain('WARNING: prompt cache not forming');
  });

  it("opts in to cache diagnostics and reports the API's miss reason", async () => {
    const extractor = createAnthropicExtractor({
      apiKey: api.apiKey,
      baseURL: api.url,
      model: 'claude-sonnet-5-5',
    });
    const field = { name: 'next_step', label: 'Next step', type: 'text' as const };
    const request = {
      dealId: 'd1',
      dealName: 'A',
      fields: [field],
      glossary: [field],
      notes: [{ id: 'n1', dealId: 'd1', type: 'call' as const, createdAt: new Date(), body: 'x' }],
      users: [],
    };
    const first = await extractor.extract(request);
    expect(first.cacheMiss).toBeUndefined();
    const again = await extractor.extract({
      ...request,
      glossary: [field, { name: 'metrics', label: 'Metrics', type: 'text' }],
    });
    expect(again.cacheMiss).toMatch(/^system_changed \(~\d+ tokens not read from cache\)$/);
    const sent = api.requests.map(
      (r) => (r.body as { diagnostics?: { previous_message_id: string | null } }).diagnostics,
    );
    expect(sent[0]).toEqual({ previous_message_id: null });
    expect(sent[1]?.previous_message_id).toMatch(/^msg_/);
  });

  it('retries 429, 529 and 500, honouring retry-after, and the run goes on', async () => {
    api.queue.push(
      { kind: 'error', status: 429, type: 'rate_limit_error', message: 'slow down', retryAfter: 1 },
      { kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' },
      { kind: 'error', status: 500, type: 'api_error', message: 'boom' },
    );
    const started = Date.now();
    const summary = await h.runJson(['--deal', 'd1'], env);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(api.requests).toHaveLength(4);
    expect(summary.deals).toEqual({ extracted: 1, no_new_notes: 0, failed: 0 });
  });

  it.each([
    [
      'a text answer without the tool',
      { kind: 'text' as const, text: 'Dana is the economic buyer.' },
      'without calling record_findings',
    ],
    [
      'malformed tool input',
      {
        kind: 'tool_input' as const,
        input: { findings: [{ field: 'economic_buyer', value: 'Dana', note_id: 'n1' }] },
      },
      'does not match the record_findings schema',
    ],
    ['an over-long answer', { kind: 'max_tokens' as const }, 'max_tokens'],
  ])(
    'drops %s as a whole, writes nothing, and retries the deal next run',
    async (_name, reply, reason) => {
      api.queue.push(reply);
      const summary = await h.runJson(['--apply', '--deal', 'd1'], { ...env, LIVE_WRITES: '1' });
      expect(summary.counts.written).toBe(0);
      const rows = await h.log(['--run', summary.run_id as string]);
      expect(rows).toEqual([
        expect.objectContaining({
          field: '(answer)',
          action: 'dropped',
          reason: expect.stringContaining(reason),
        }),
      ]);
      const next = await h.runJson(['--apply', '--deal', 'd1'], { ...env, LIVE_WRITES: '1' });
      expect(next.counts.written).toBe(3);
    },
  );

  it('a deal whose extraction keeps failing is logged failed; the run goes on and retries it next time', async () => {
    api.reply = (request) => {
      if (JSON.stringify(request.messages).includes('Acme'))
        return { kind: 'error', status: 500, type: 'api_error', message: 'Internal server error' };
      return exampleReplies()(request);
    };
    const summary = await h.runJson(['--apply'], {
      ...env,
      LIVE_WRITES: '1',
      SCOUT_MODEL_MAX_RETRIES: '1',
    });
    expect(summary.deals).toEqual({ extracted: 3, no_new_notes: 1, failed: 1 });
    expect(summary.counts).toMatchObject({ failed: 1, written: 2 });
    expect(api.requests.filter((r) => r.raw.includes('Acme'))).toHaveLength(2);
    const rows = await h.log(['--run', summary.run_id as string, '--deal', 'd1']);
    expect(rows).toEqual([
      expect.objectContaining({
        action: 'failed',
        field: '(extraction)',
        reason: expect.stringContaining('Internal server error'),
      }),
    ]);
    expect(formatted(await h.ok(['run'], env))).toContain('1 failed');
    api.reply = exampleReplies();
    const next = await h.runJson(['--apply'], { ...env, LIVE_WRITES: '1' });
    expect(next.deals).toMatchObject({ extracted: 1, failed: 0 });
    expect(next.counts.written).toBe(3);
  });

  it('a spend-limit error stops the run with a clear message and exit 1', async () => {
    api.reply = () => ({
      kind: 'error',
      status: 400,
      type: 'invalid_request_error',
      message: 'Your credit balance is too low to access the Anthropic API.',
    });
    const r = await h.cli(['run'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      'spend limit or credit stops this run: invalid_request_error: Your credit balance is too low',
    );
    const [run] = await h.database.sql`select status, error from runs`;
    expect(run).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('credit balance'),
    });
    expect(api.requests.length).toBeLessThanOrEqual(4);
  });

  it('a bad API key stops the run', async () => {
    const r = await h.cli(['run'], { ...env, ANTHROPIC_API_KEY: 'sk-ant-wrong' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('rejected the API key (401)');
    expect(r.stderr).not.toContain('sk-ant-wrong');
  });
});
