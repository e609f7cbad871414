import { readProvenance } from '../db/provenance-reader.js';
import {
  blockText,
  findCard,
  type SandboxState,
  sandboxClient,
} from '../sandbox/sandbox-client.js';
import { OPS_CHANNEL } from '../sandbox/workspace.js';
import type { Demo } from './start-demo.js';

const ANA = 'U0ANA';
const LEAD = 'U0LEAD';
const STRANGER = 'U0SAM';
const ANA_DM = 'D0ANA';

/**
 * `scout demo --check`: the whole demo flow, headless, through the sandbox's HTTP
 * interface exactly as the page drives it: a dry run, a live run, an approval, an edit,
 * a rejection, a stranger refused, `/scout status` and `/deal-summary`; then the CRM and
 * the provenance log are read back. Each verified fact is reported through `say`;
 * the first failure throws with what was expected.
 */
export async function checkDemo(demo: Demo, say: (line: string) => void): Promise<void> {
  const sandbox = sandboxClient(demo.sandbox.url);
  const ok = (line: string) => say(`ok  ${line}`);
  const expect = (cond: boolean, what: string) => {
    if (!cond) throw new Error(`demo check failed: ${what}`);
    ok(what);
  };
  const deal = async (id: string) => {
    const page = await demo.crm.pageDeals({ cursor: null, limit: 1, ids: [id] });
    const found = page.deals[0];
    if (!found) throw new Error(`demo check failed: deal ${id} is missing from the local CRM`);
    return found.properties;
  };

  const before = await deal('d15');
  await sandbox.control('dry-run');
  let state = await sandbox.state();
  const dryHeader = state.messages.find(
    (m) => m.channel === OPS_CHANNEL && blockText(m.blocks).startsWith('DRY RUN'),
  );
  expect(dryHeader !== undefined, 'the dry run posted its summary to #scout-ops');
  expect(
    state.messages.some(
      (m) => m.channel === ANA_DM && m.text.startsWith('[DRY RUN] Scout proposes'),
    ),
    "the dry run's approval cards are threaded in the owner's DM, badged DRY RUN",
  );
  expect((await deal('d15')).closedate === before.closedate, 'the dry run left the CRM unchanged');

  await sandbox.control('live-run');
  state = await sandbox.state();
  expect(
    state.messages.some((m) => m.channel === OPS_CHANNEL && blockText(m.blocks).startsWith('LIVE')),
    'the live run posted a LIVE summary to #scout-ops',
  );
  expect(
    (await deal('d11')).next_step === 'Pricing call on December 4 with procurement',
    'the live run wrote an auto field (d11 next step) straight to the CRM',
  );

  const card = (s: SandboxState, field: string, name: string) => {
    const c = findCard(s, ANA_DM, field, name);
    if (!c) throw new Error(`demo check failed: no live ${field} card for ${name} in Ana's DM`);
    return c;
  };
  const approveCard = card(state, 'Close date', 'Vandelay Industries');
  const editCard = card(state, 'Seats', 'Northwind Traders');
  const rejectCard = card(state, 'Next step', 'Northwind Traders');
  const strangerCard = card(state, 'Close date', 'Northwind Traders');
  const outcome = (ts: string, words: string) =>
    sandbox.waitFor(`the card ${ts} to say "${words}"`, (s) =>
      s.messages.find((m) => m.ts === ts && m.edited > 0 && blockText(m.blocks).includes(words)),
    );

  await sandbox.click({
    user: ANA,
    channel: ANA_DM,
    ts: approveCard.ts,
    actionId: 'scout_approve',
  });
  await outcome(approveCard.ts, 'written to the CRM');
  expect((await deal('d15')).closedate === '2027-01-15', 'Approve wrote d15 close date 2027-01-15');

  await sandbox.click({ user: ANA, channel: ANA_DM, ts: editCard.ts, actionId: 'scout_edit' });
  const view = await sandbox.waitFor('the edit modal to open for Ana', (s) =>
    s.views.find((v) => v.user === ANA),
  );
  await sandbox.submitView({ user: ANA, viewId: view.id, values: { value: { value: '150' } } });
  await outcome(editCard.ts, 'edited to 150');
  expect((await deal('d01')).seats === 150, 'Edit… → 150 → Approve wrote d01 seats 150');

  await sandbox.click({ user: ANA, channel: ANA_DM, ts: rejectCard.ts, actionId: 'scout_reject' });
  await outcome(rejectCard.ts, 'Rejected');
  expect((await deal('d01')).next_step === '', 'Reject left d01 next step empty');

  await sandbox.click({
    user: STRANGER,
    channel: ANA_DM,
    ts: strangerCard.ts,
    actionId: 'scout_approve',
  });
  await sandbox.waitFor('the stranger to be told off', (s) =>
    s.ephemerals.find((e) => e.user === STRANGER && e.text.includes('Only the deal owner')),
  );
  state = await sandbox.state();
  expect(
    blockText(state.messages.find((m) => m.ts === strangerCard.ts)?.blocks).includes('Approve') &&
      ((await deal('d01')).closedate ?? null) === null,
    'a stranger was refused: the card is still pending and the CRM unchanged',
  );

  await sandbox.type({ user: LEAD, channel: OPS_CHANNEL, text: '/scout status' });
  await sandbox.waitFor('/scout status to answer', (s) =>
    s.ephemerals.find((e) => e.user === LEAD && e.text.includes('pending proposals')),
  );
  ok('/scout status answered the ops admin in #scout-ops');

  const typed = await sandbox.type({ user: ANA, channel: ANA_DM, text: '/deal-summary d01' });
  expect(typed.status === 200, '/deal-summary reached the bot through a signed request (HTTP 200)');
  const summary = await sandbox.waitFor('/deal-summary to answer', (s) =>
    s.ephemerals.find(
      (e) => e.user === ANA && e.source !== 'typed' && e.text.startsWith('Deal summary:'),
    ),
  );
  expect(
    blockText(summary.blocks).includes('*Seats*: 150'),
    '/deal-summary d01 answered Ana with the deal as the CRM now has it (seats 150)',
  );

  const rows: Array<{ record_id: string; field: string; action: string; actor: string }> = [];
  for await (const r of readProvenance(demo.database.db, {})) rows.push(r);
  const has = (dealId: string, field: string, action: string) =>
    rows.some((r) => r.record_id === dealId && r.field === field && r.action === action);
  expect(
    has('d15', 'closedate', 'approved') && has('d15', 'closedate', 'applied'),
    'provenance: d15 close date approved, then applied',
  );
  expect(
    has('d01', 'seats', 'edited') && has('d01', 'seats', 'applied'),
    'provenance: d01 seats edited, then applied',
  );
  expect(has('d01', 'next_step', 'rejected'), 'provenance: d01 next step rejected');
  expect(
    rows.some(
      (r) => r.record_id === 'd01' && r.action === 'denied' && r.actor === `slack:${STRANGER}`,
    ),
    "provenance: the stranger's attempt is logged as denied",
  );
  expect(
    rows.some((r) => r.record_id === 'd03' && r.action === 'denied' && r.field === 'amount'),
    'provenance: the injection attempt on d03 was denied (amount is never written)',
  );
}
