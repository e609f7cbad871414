import { createProposalStore } from '../db/proposal-store.js';
import { blockText } from '../sandbox/sandbox-client.js';
import { idsAndKeysShown, textsShown } from '../sandbox/what-people-see.js';
import { type Ephemeral, OPS_CHANNEL } from '../sandbox/workspace.js';
import { checkInjection, checkTrickyCases } from './demo-check-cases.js';
import { type CheckKit, checkKit } from './demo-check-kit.js';
import { DEMO_CASE_COMMANDS } from './demo-files.js';
import type { Demo } from './start-demo.js';

const ANA = 'U0ANA';
const BEN = 'U0BEN';
const LEAD = 'U0LEAD';
const STRANGER = 'U0SAM';
const ANA_DM = 'D0ANA';
const BEN_DM = 'D0BEN';

/**
 * `scout demo --check`: the whole demo flow, headless, through the sandbox's HTTP
 * interface exactly as the page drives it: a dry run, a live run, an approval, edits
 * through every kind of form (number, date, select, person), a rejection, a stranger
 * refused, an approver deciding another rep's card, the sample's tricky cases and its
 * injection attempt, `/scout status` and `/deal-summary`; then the CRM and the
 * provenance log are read back. Each verified fact is reported through `say`; the
 * first failure throws with what was expected.
 */
export async function checkDemo(demo: Demo, say: (line: string) => void): Promise<void> {
  const kit = checkKit(demo, say);
  const { sandbox, expect, deal } = kit;

  const before = await deal('d15');
  await sandbox.control('dry-run');
  let state = await sandbox.state();
  const dryHeader = state.messages.find(
    (m) => m.channel === OPS_CHANNEL && blockText(m.blocks).startsWith('DRY RUN'),
  );
  expect(dryHeader !== undefined, 'the dry run posted its summary to #scout-ops');
  const previews = state.messages.filter(
    (m) => m.channel === OPS_CHANNEL && m.text.startsWith('[DRY RUN] Scout proposes'),
  );
  expect(
    previews.length > 0 &&
      previews.every((m) => !JSON.stringify(m.blocks).includes('scout_approve')) &&
      !state.messages.some((m) => m.channel === ANA_DM || m.channel === BEN_DM),
    "the dry run's cards are previews in #scout-ops, without buttons; no rep was messaged",
  );
  expect((await deal('d15')).closedate === before.closedate, 'the dry run left the CRM unchanged');

  await sandbox.control('live-run');
  state = await sandbox.state();
  expect(
    state.messages.some((m) => m.channel === OPS_CHANNEL && blockText(m.blocks).startsWith('LIVE')),
    'the live run posted a LIVE summary to #scout-ops',
  );
  expect(
    (await deal('d11')).scout_identified_pain === 'QA reports take two weeks to compile' &&
      (await deal('d11')).next_step === '',
    'the live run wrote a suggestion (d11 scout identified pain) straight to the CRM; the next step waits for a person',
  );

  expect(
    previews.every((p) =>
      blockText(state.messages.find((m) => m.ts === p.ts)?.blocks).includes('Superseded — see'),
    ),
    'the live cards superseded the dry-run previews, which now link to them',
  );

  const approveCard = kit.card(state, ANA_DM, 'Close date', 'Vandelay Industries');
  const rejectCard = kit.card(state, ANA_DM, 'Next step', 'Northwind Traders');
  const strangerCard = kit.card(state, ANA_DM, 'Close date', 'Northwind Traders');

  await sandbox.click({
    user: ANA,
    channel: ANA_DM,
    ts: approveCard.ts,
    actionId: 'scout_approve',
  });
  await kit.outcome(approveCard.ts, 'written to the CRM');
  expect((await deal('d15')).closedate === '2027-01-15', 'Approve wrote d15 close date 2027-01-15');

  await editThroughForm(kit, {
    user: ANA,
    channel: ANA_DM,
    field: 'Seats',
    deal: 'Northwind Traders',
    typed: '150',
    refused: '-5',
  });
  expect((await deal('d01')).seats === 150, 'Edit… → 150 → Approve wrote d01 seats 150');

  await sandbox.click({ user: ANA, channel: ANA_DM, ts: rejectCard.ts, actionId: 'scout_reject' });
  await kit.outcome(rejectCard.ts, 'Rejected');
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

  await editThroughForm(kit, {
    user: ANA,
    channel: ANA_DM,
    field: 'Close date',
    deal: 'Northwind Traders',
    typed: '2027-02-12',
  });
  expect(
    (await deal('d01')).closedate === '2027-02-12',
    'Edit… → date picker 2027-02-12 → Approve wrote d01 close date 2027-02-12',
  );
  expect(
    blockText(kit.card(state, ANA_DM, 'Sales engineer', 'Wayne Enterprises').blocks).includes(
      '*Proposed*\nRaj Patel',
    ),
    'the d08 Sales engineer card names the person (Raj Patel), not the CRM id u_raj',
  );
  await editThroughForm(kit, {
    user: ANA,
    channel: ANA_DM,
    field: 'Sales engineer',
    deal: 'Wayne Enterprises',
    typed: BEN,
  });
  expect(
    (await deal('d08')).sales_engineer === 'u_ben',
    'Edit… → person picker Ben Okafor → Approve wrote d08 sales engineer u_ben (his CRM user)',
  );
  await editThroughForm(kit, {
    user: BEN,
    channel: BEN_DM,
    field: 'Forecast category',
    deal: 'Cyberdyne Systems',
    typed: 'commit',
  });
  expect(
    (await deal('d10')).forecast_category === 'commit',
    'Edit… → select "commit" → Approve wrote d10 forecast category commit',
  );

  await checkTrickyCases(kit, await sandbox.state());

  await sandbox.type({ user: LEAD, channel: OPS_CHANNEL, text: '/scout status' });
  const status = await sandbox.waitFor('/scout status to answer', (s) =>
    s.ephemerals.find((e) => e.user === LEAD && e.text.includes('pending proposals')),
  );
  const pending = await createProposalStore(demo.database.db).countPending();
  expect(
    status.text.includes(`${pending.live} live · 0 from dry runs`) && pending.dry === 0,
    `/scout status counted the pending proposals as the table has them (${pending.live} live, none from the superseded dry run)`,
  );

  const typed = await sandbox.type({ user: ANA, channel: ANA_DM, text: '/deal-summary d01' });
  expect(typed.status === 200, '/deal-summary reached the bot through a signed request (HTTP 200)');
  const summary = await answerTo(kit, ANA, (text) => text.startsWith('Deal summary:'));
  expect(
    blockText(summary.blocks).includes('*Seats*: 150'),
    '/deal-summary d01 answered Ana with the deal as the CRM now has it (seats 150)',
  );
  for (const c of DEMO_CASE_COMMANDS) {
    const asked = (await sandbox.state()).ephemerals.length;
    await sandbox.type({ user: LEAD, channel: OPS_CHANNEL, text: c.command });
    const answer = await answerTo(kit, LEAD, (_text, index) => index >= asked);
    expect(
      blockText(answer.blocks).includes(c.answerHas),
      `${c.command} shows how it was handled: ${c.shows}`,
    );
  }

  await undoFromCard(kit, approveCard.ts, before.closedate ?? null);

  const rows = await kit.provenance();
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
  expect(has('d15', 'closedate', 'undone'), 'provenance: d15 close date undone from Slack');
  expect(
    rows.some(
      (r) => r.record_id === 'd01' && r.action === 'denied' && r.actor === `slack:${STRANGER}`,
    ),
    "provenance: the stranger's attempt is logged as denied",
  );
  await checkInjection(kit);
  const leaks = idsAndKeysShown(textsShown(demo.sandbox.workspace, demo.sandbox.api.calls), {
    userIds: (await demo.crm.listUsers()).map((u) => u.id),
    properties: await demo.crm.listPropertyDefs(),
  });
  expect(
    leaks.length === 0,
    `every message, reply and view names people and fields, with no user id or property key${leaks.length ? `: ${leaks.slice(0, 5).join('; ')}` : ''}`,
  );
}

/**
 * Edit… on a live card, the modal submitted with `typed` in its one input, the card updated.
 * With `refused`, that value is submitted first and must be refused on the form, which keeps it.
 */
async function editThroughForm(
  kit: CheckKit,
  input: {
    user: string;
    channel: string;
    field: string;
    deal: string;
    typed: string;
    refused?: string;
  },
): Promise<void> {
  const card = kit.card(await kit.sandbox.state(), input.channel, input.field, input.deal);
  await kit.sandbox.click({
    user: input.user,
    channel: input.channel,
    ts: card.ts,
    actionId: 'scout_edit',
  });
  const view = await kit.sandbox.waitFor(`the ${input.field} edit modal to open`, (s) =>
    s.views.find((v) => v.user === input.user),
  );
  if (input.refused !== undefined) await refusedOnForm(kit, input, view.id, input.refused);
  await kit.sandbox.submitView({
    user: input.user,
    viewId: view.id,
    values: { value: { value: input.typed } },
  });
  const refused = (await kit.sandbox.state()).views.find((v) => v.id === view.id)?.errors;
  if (refused && Object.keys(refused).length > 0)
    throw new Error(
      `demo check failed: the ${input.field} edit form refused ${input.typed}: ${JSON.stringify(refused)}`,
    );
  const done = await kit.outcome(card.ts, 'written to the CRM');
  if (!blockText(done.blocks).includes('(edited from '))
    throw new Error(`demo check failed: the ${input.field} card does not say it was edited`);
}

/** Undo on the applied d15 close-date card: the value from before the approval is back. */
async function undoFromCard(kit: CheckKit, ts: string, before: unknown): Promise<void> {
  const card = (await kit.sandbox.state()).messages.find((m) => m.ts === ts);
  kit.expect(
    blockText(card?.blocks).includes('Undo this change?'),
    "the applied card offers Undo, behind Slack's confirmation dialog",
  );
  await kit.sandbox.click({ user: ANA, channel: ANA_DM, ts, actionId: 'scout_undo' });
  await kit.outcome(ts, 'the value from before the approval is back');
  kit.expect(
    ((await kit.deal('d15')).closedate ?? null) === before,
    `Undo on the card put d15 close date back to ${before === null ? 'empty' : String(before)}, as before the approval`,
  );
}

/** A value the field's policy rules forbid: refused on the form, which stays open and keeps it. */
async function refusedOnForm(
  kit: CheckKit,
  input: { user: string; field: string },
  viewId: string,
  typed: string,
): Promise<void> {
  await kit.sandbox.submitView({
    user: input.user,
    viewId,
    values: { value: { value: typed } },
  });
  const open = (await kit.sandbox.state()).views.find((v) => v.id === viewId);
  kit.expect(
    open !== undefined && (open.errors.value ?? '').length > 0 && open.typed.value?.value === typed,
    `Edit… → ${typed} was refused on the ${input.field} form (${open?.errors.value ?? 'no error'}), which kept what was typed`,
  );
}

/** The bot's answer to someone's command: an ephemeral to them that their own typing did not make. */
function answerTo(
  kit: CheckKit,
  user: string,
  pick: (text: string, index: number) => boolean,
): Promise<Ephemeral> {
  return kit.sandbox.waitFor(`the bot to answer ${user}`, (s) =>
    s.ephemerals.find((e, index) => e.user === user && e.source !== 'typed' && pick(e.text, index)),
  );
}
