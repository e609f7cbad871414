import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSlackHarness,
  OWNER,
  SIGNING_SECRET,
  type SlackHarness,
  STRANGER,
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

describe('signed but hostile Slack requests are refused and never stop the server (SPEC G22)', () => {
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

const ACTION_IDS = [
  'scout_approve',
  'scout_reject',
  'scout_edit',
  'scout_undo',
  'deal_summary_share',
  'deal_summary_why',
  'deal_summary_pick_0',
  'who_knows',
];

/** Random shapes of what Slack sends, with nulls, arrays, wrong types and huge strings mixed in. */
function hostileRequest(responseUrl: string): fc.Arbitrary<{ body: string; contentType: string }> {
  const huge = fc.integer({ min: 1_000, max: 60_000 }).map((n) => 'x*<@U1>&\n'.repeat(n / 10));
  const text = fc.oneof(
    fc.string(),
    fc.constantFrom('', 'null', '__proto__', 'constructor', '<!channel>', '*bold*'),
    huge,
  );
  const junk = fc.oneof(
    fc.constant(null),
    fc.jsonValue({ maxDepth: 3 }),
    text,
    fc.array(fc.jsonValue({ maxDepth: 1 }), { maxLength: 3 }),
  );
  const userId = fc.oneof(fc.constantFrom(OWNER, STRANGER, 'W0X'), text);
  const user = fc.oneof(fc.record({ id: userId }, { requiredKeys: [] }), junk);
  const buttonValue = fc.oneof(
    text,
    junk,
    fc
      .record({ p: fc.oneof(fc.uuid(), text), v: fc.oneof(fc.integer(), junk) })
      .map((v) => JSON.stringify(v)),
    fc.record({ d: text, f: fc.oneof(text, junk) }).map((v) => JSON.stringify(v)),
  );
  const action = fc.oneof(
    fc.record(
      {
        type: fc.oneof(fc.constantFrom('button', 'static_select'), junk),
        action_id: fc.oneof(fc.constantFrom(...ACTION_IDS), junk),
        block_id: fc.oneof(text, junk),
        value: buttonValue,
        selected_option: fc.oneof(fc.record({ value: buttonValue }), junk),
        action_ts: fc.oneof(fc.constant('1.1'), junk),
      },
      { requiredKeys: [] },
    ),
    junk,
  );
  const channel = fc.oneof(fc.record({ id: fc.oneof(fc.constant('D01ANA'), text) }), junk);
  const blockActions = fc.record(
    {
      type: fc.constant('block_actions'),
      user,
      actions: fc.oneof(fc.array(action, { maxLength: 3 }), junk),
      channel,
      team: fc.oneof(fc.record({ id: fc.constant('T0TEST') }), junk),
      trigger_id: fc.oneof(fc.constant('1.2.3'), junk),
      container: junk,
      response_url: fc.oneof(fc.constant(responseUrl), junk),
      view: junk,
    },
    { requiredKeys: ['type'] },
  );
  const viewSubmission = fc.record(
    {
      type: fc.constantFrom('view_submission', 'view_closed'),
      user,
      team: fc.oneof(fc.record({ id: fc.constant('T0TEST') }), junk),
      view: fc.oneof(
        fc.record(
          {
            id: fc.oneof(fc.constant('V1'), junk),
            callback_id: fc.oneof(fc.constantFrom('scout_edit_modal', 'other'), junk),
            private_metadata: buttonValue,
            state: fc.oneof(fc.record({ values: junk }), junk),
          },
          { requiredKeys: [] },
        ),
        junk,
      ),
    },
    { requiredKeys: ['type'] },
  );
  const event = fc.record(
    {
      type: fc.constantFrom('event_callback', 'url_verification', 'app_rate_limited'),
      team_id: fc.oneof(fc.constant('T0TEST'), junk),
      api_app_id: fc.oneof(fc.constant('A0SCOUT'), junk),
      challenge: junk,
      event: fc.oneof(
        fc.record({ type: fc.oneof(fc.constantFrom('message', 'app_mention'), junk), user, text }),
        junk,
      ),
    },
    { requiredKeys: ['type'] },
  );
  const interactive = fc.oneof(blockActions, viewSubmission, event, junk);
  const command = fc
    .record(
      {
        command: fc.oneof(fc.constantFrom('/scout', '/deal-summary', '/other'), text),
        text: fc.oneof(fc.constantFrom('', 'status', 'pause', 'help', 'Acme'), text),
        user_id: userId,
        channel_id: fc.oneof(fc.constant('C0OPS'), text),
        team_id: fc.oneof(fc.constant('T0TEST'), text),
        response_url: fc.constant(responseUrl),
        trigger_id: text,
        payload: text,
        ssl_check: fc.constantFrom('0', '2', ''),
      },
      { requiredKeys: [] },
    )
    .map((fields) => new URLSearchParams(fields as Record<string, string>).toString());
  return fc.oneof(
    interactive.map((v) => ({ body: payload(v), contentType: FORM })),
    interactive.map((v) => ({ body: JSON.stringify(v) ?? 'null', contentType: JSON_TYPE })),
    command.map((body) => ({ body, contentType: FORM })),
    fc.string({ maxLength: 200 }).map((body) => ({ body, contentType: FORM })),
    fc.string({ maxLength: 200 }).map((body) => ({ body, contentType: JSON_TYPE })),
  );
}
