import fc from 'fast-check';
import { OWNER, STRANGER } from './slack-harness.js';

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

/**
 * Random shapes of what Slack sends, with nulls, arrays, wrong types and huge strings
 * mixed in: interactive payloads and events, slash command fields, and plain junk. The
 * HTTP fuzz sends them as signed bodies, the Socket Mode fuzz inside envelopes.
 */
export function hostileSlackShapes(responseUrl: string): {
  interactive: fc.Arbitrary<unknown>;
  command: fc.Arbitrary<Record<string, string>>;
  junk: fc.Arbitrary<unknown>;
  text: fc.Arbitrary<string>;
} {
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
    .map((fields) => fields as Record<string, string>);
  return { interactive, command, junk, text };
}
