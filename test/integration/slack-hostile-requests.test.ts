import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostileSlackShapes } from '../support/hostile-slack.js';
import {
  createSlackHarness,
  OWNER,
  SIGNING_SECRET,
  type SlackHarness,
} from '../support/slack-harness.js';
import { slackHeaders } from '../support/slack-signing.js';

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/** Every row a request could add or change: the log, decisions, pause state, runs. */
async function stateOf(s: SlackHarness): Promise<string> {
  const rows = await s.h.database.sql`
    select (select count(*) from provenance)::int as log,
           (select count(*) from proposals where status <> 'pending')::int as decided,
           (select coalesce(sum(version), 0) from proposals)::int as versions,
           (select count(*) from runs)::int as runs,
           (select coalesce(string_agg(key || '=' || value::text, ','), '') from control) as control`;
  return JSON.stringify(rows[0]);
}

describe('signed but hostile Slack requests are refused and never stop the server (G22)', () => {
  let s: SlackHarness;
  const signed = (body: string, contentType: string) => {
    const headers = slackHeaders(body, SIGNING_SECRET);
    return s.post(body, { ...headers, 'content-type': contentType });
  };
  const healthy = async () =>
    (await fetch(`http://127.0.0.1:${s.server.port}/healthz`)).status === 200;

  beforeAll(async () => {
    s = await createSlackHarness();
  });
  afterAll(async () => {
    await s.close();
  });

  it.each([
    ['form payload=null', 'payload=null', FORM],
    ['form payload=[]', 'payload=%5B%5D', FORM],
    ['form payload="x"', 'payload=%22x%22', FORM],
    ['form payload=1', 'payload=1', FORM],
    ['form payload given twice', 'payload=%7B%7D&payload=%7B%7D', FORM],
    ['JSON null', 'null', JSON_TYPE],
    ['JSON array', '[1,2]', JSON_TYPE],
    ['JSON string', '"block_actions"', JSON_TYPE],
    ['JSON number', '42', JSON_TYPE],
    ['JSON true', 'true', JSON_TYPE],
    ['an empty body', '', JSON_TYPE],
    ['block_actions without a user', payload({ type: 'block_actions', actions: [] }), FORM],
    [
      'block_actions whose actions are null',
      payload({ type: 'block_actions', user: { id: OWNER }, actions: null }),
      FORM,
    ],
    [
      'view_submission without a view',
      payload({ type: 'view_submission', user: { id: OWNER } }),
      FORM,
    ],
    [
      'an event_callback whose event is null',
      JSON.stringify({ type: 'event_callback', event: null }),
      JSON_TYPE,
    ],
    ['an unknown type', payload({ type: 'who_knows', user: { id: OWNER } }), FORM],
  ])('%s: 400, and the server stays up', async (_name, body, contentType) => {
    const before = await stateOf(s);
    const r = await signed(body, contentType);
    expect(r.status).toBe(400);
    await s.app.idle();
    expect(await healthy()).toBe(true);
    expect(await stateOf(s)).toBe(before);
  });

  it.each([
    ['a NUL in the proposal id', { p: 'p\u0000x', v: 1 }],
    ['a version beyond its column', { p: 'p1', v: 2 ** 40 }],
  ])('a card button whose value has %s: answered, nothing changes', async (_name, value) => {
    const before = await stateOf(s);
    const r = await signed(
      payload({
        type: 'block_actions',
        user: { id: OWNER },
        team: { id: 'T0TEST' },
        actions: [
          {
            type: 'button',
            action_id: 'scout_approve',
            block_id: 'decide',
            value: JSON.stringify(value),
          },
        ],
      }),
      FORM,
    );
    expect(r.status).toBe(200);
    await s.app.idle();
    expect(await healthy()).toBe(true);
    expect(await stateOf(s)).toBe(before);
  });

  it('10,000 generated signed bodies: every answer < 500, the server stays up, nothing changes', async () => {
    const before = await stateOf(s);
    let sent = 0;
    await fc.assert(
      fc.asyncProperty(hostileRequest(s.slack.url), async ({ body, contentType }) => {
        const r = await signed(body, contentType);
        sent++;
        expect(r.status).toBeLessThan(500);
      }),
      { numRuns: 10_000 },
    );
    await s.app.idle();
    expect(sent).toBeGreaterThanOrEqual(10_000);
    expect(await healthy()).toBe(true);
    expect(await stateOf(s)).toBe(before);
  }, 600_000);
});

function payload(value: unknown): string {
  return `payload=${encodeURIComponent(JSON.stringify(value))}`;
}

/** Signed HTTP bodies of the hostile shapes, as form payloads, JSON, slash commands and junk. */
function hostileRequest(responseUrl: string): fc.Arbitrary<{ body: string; contentType: string }> {
  const { interactive, command } = hostileSlackShapes(responseUrl);
  return fc.oneof(
    interactive.map((v) => ({ body: payload(v), contentType: FORM })),
    interactive.map((v) => ({ body: JSON.stringify(v) ?? 'null', contentType: JSON_TYPE })),
    command.map((fields) => ({ body: new URLSearchParams(fields).toString(), contentType: FORM })),
    fc.string({ maxLength: 200 }).map((body) => ({ body, contentType: FORM })),
    fc.string({ maxLength: 200 }).map((body) => ({ body, contentType: JSON_TYPE })),
  );
}
