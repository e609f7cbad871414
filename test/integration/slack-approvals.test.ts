import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createProposalStore } from '../../src/db/proposal-store.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import { applyProposal } from '../../src/services/apply-proposal.js';
import { expireDueProposals } from '../../src/services/expire-proposals.js';
import {
  APPROVER,
  APPROVER_GROUP,
  createSlackHarness,
  editSubmission,
  GROUP_MEMBER,
  OWNER,
  type SlackHarness,
  STRANGER,
} from '../support/slack-harness.js';
import { until } from '../support/worker-harness.js';

const count = async (s: SlackHarness, action: string) =>
  (
    (
      await s.h.database.sql`select count(*)::int as n from provenance where action = ${action}`
    )[0] as { n: number }
  ).n;
const crmValue = async (s: SlackHarness, deal: string, field: string) =>
  (
    (
      await s.h.database.sql`select properties -> ${field} as v from crm_deals where id = ${deal}`
    )[0] as { v: unknown }
  ).v;

describe('Slack approvals through the real Bolt app over signed HTTP', () => {
  let s: SlackHarness;
  let closeDate: Record<string, unknown>;
  let nextStep: Record<string, unknown>;
  beforeEach(async () => {
    s = await createSlackHarness();
    const runId = (await s.h.database.sql`select run_id from proposals limit 1`)[0]
      ?.run_id as string;
    await s.app.notifier.postProposals(runId);
    const all = await s.proposals();
    closeDate = all.find((p) => p.field === 'closedate') ?? {};
    nextStep = all.find((p) => p.field === 'next_step') ?? {};
  });
  afterEach(async () => {
    await s.close();
  });

  it("posts one parent message per deal in the owner's DM and one card per proposal in its thread", () => {
    const messages = [...s.slack.messages.values()];
    const parents = messages.filter((m) => !m.thread_ts);
    expect(parents.map((m) => m.channel).sort()).toEqual(['D01ANA', 'D01ANA']);
    const cards = messages.filter((m) => m.thread_ts);
    expect(cards).toHaveLength(2);
    for (const card of cards) {
      const actions = (
        card.blocks as Array<{
          type: string;
          elements?: Array<{ value: string; action_id: string }>;
        }>
      ).find((b) => b.type === 'actions');
      expect(actions?.elements?.map((e) => e.action_id)).toEqual([
        'scout_approve',
        'scout_edit',
        'scout_reject',
      ]);
      for (const e of actions?.elements ?? [])
        expect(Object.keys(JSON.parse(e.value))).toEqual(['p', 'v']);
    }
    expect(closeDate.slack_ts).toEqual(expect.any(String));
    expect(s.slack.violations).toEqual([]);
  });

  it('Approve by the owner writes the rep-owned field, logs who, and replaces the buttons with the outcome', async () => {
    const r = await s.click('scout_approve', closeDate.id as string, OWNER);
    expect(r.status).toBe(200);
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({
      status: 'applied',
      decided_by: OWNER,
    });
    expect(await crmValue(s, 'd1', 'closedate')).toBe('2027-01-31');
    const rows = await s.h.log(['--deal', 'd1']);
    expect(rows.filter((r) => r.field === 'closedate').map((r) => [r.action, r.actor])).toEqual([
      ['proposed', 'agent'],
      ['approved', `slack:${OWNER}`],
      ['applied', `slack:${OWNER}`],
    ]);
    const card = s.slack.messages.get(`${closeDate.slack_channel}/${closeDate.slack_ts}`);
    expect(card?.updates).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(card?.blocks)).toContain('written to the CRM');
    expect(JSON.stringify(card?.blocks)).not.toContain('scout_approve');
  });

  it('50 concurrent Approve clicks: one transition, one CRM write, one applied row', async () => {
    const responses = await Promise.all(
      Array.from({ length: 50 }, () => s.click('scout_approve', closeDate.id as string, OWNER)),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    await s.app.idle();
    expect(await count(s, 'approved')).toBe(1);
    expect(await count(s, 'applied')).toBe(1);
    expect(await s.proposal(closeDate.id as string)).toMatchObject({ status: 'applied' });
  });

  it('a click acknowledged too late for Slack still goes on to redraw its card', async () => {
    // Another transaction holds the proposal's row past the 2.5 s Slack is answered within.
    const held = await s.h.database.sql.reserve();
    await held`begin`;
    await held`select id from proposals where id = ${closeDate.id as string} for update`;
    const answer = await s.click('scout_reject', closeDate.id as string, OWNER);
    expect(answer.status).toBe(404);
    await held`commit`;
    held.release();
    // A rejection's card is redrawn by the click's follow-up alone (no apply comes after).
    const card = () => s.slack.messages.get(`${closeDate.slack_channel}/${closeDate.slack_ts}`);
    await until(() => card()?.updates === 1, 'the late decision to redraw its card');
    expect(await s.proposal(closeDate.id as string)).toMatchObject({ status: 'rejected' });
    expect(JSON.stringify(card()?.blocks)).not.toContain('scout_approve');
  });

  it('repeat clicks on a decided card redraw nothing and tell each person once a minute', async () => {
    await s.click('scout_approve', closeDate.id as string, OWNER);
    await s.app.idle();
    const key = `${closeDate.slack_channel}/${closeDate.slack_ts}`;
    const drawn = s.slack.messages.get(key)?.updates ?? 0;
    const updates = () => s.slack.calls.filter((c) => c.method === 'chat.update').length;
    const before = updates();
    // Double clicks and Slack's retries on the card as it was drawn when posted (version 1).
    await Promise.all([
      ...Array.from({ length: 20 }, () => s.click('scout_approve', closeDate.id as string, OWNER)),
      ...Array.from({ length: 5 }, () => s.click('scout_reject', closeDate.id as string, APPROVER)),
    ]);
    await s.app.idle();
    expect(updates()).toBe(before);
    expect(s.slack.messages.get(key)?.updates).toBe(drawn);
    const told = (user: string) =>
      s.slack.ephemerals.filter((e) => e.user === user && e.text.startsWith('Already decided'));
    expect([told(OWNER).length, told(APPROVER).length]).toEqual([1, 1]);
    expect(await count(s, 'approved')).toBe(1);
  });

  it('Approve and Reject racing end in one terminal state', async () => {
    await Promise.all([
      ...Array.from({ length: 10 }, () => s.click('scout_approve', nextStep.id as string, OWNER)),
      ...Array.from({ length: 10 }, () => s.click('scout_reject', nextStep.id as string, APPROVER)),
    ]);
    await s.app.idle();
    const decided = (await count(s, 'approved')) + (await count(s, 'rejected'));
    expect(decided).toBe(1);
    const p = await s.proposal(nextStep.id as string);
    expect(['applied', 'rejected']).toContain(p.status);
  });

  it('a value changed in the CRM after the card was posted makes the proposal stale, and nothing is written', async () => {
    await s.h.database
      .sql`update crm_deals set properties = properties || '{"closedate": "2027-03-15"}' where id = 'd1'`;
    await s.click('scout_approve', closeDate.id as string, OWNER);
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({ status: 'stale' });
    expect(await crmValue(s, 'd1', 'closedate')).toBe('2027-03-15');
    const card = s.slack.messages.get(`${closeDate.slack_channel}/${closeDate.slack_ts}`);
    expect(JSON.stringify(card?.blocks)).toContain(
      'the CRM value changed since this card was posted',
    );
  });

  it('someone who is neither owner nor approver is refused, logged, and changes nothing', async () => {
    await s.click('scout_approve', closeDate.id as string, STRANGER);
    await s.click('scout_edit', closeDate.id as string, STRANGER);
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({
      status: 'pending',
      version: 1,
    });
    expect(s.slack.ephemerals.filter((e) => e.user === STRANGER)).toHaveLength(2);
    const denied = (await s.h.log()).filter(
      (r) => r.action === 'denied' && String(r.reason).startsWith('unauthorized'),
    );
    // One row per (user, proposal) per 10 minutes: the Edit attempt is refused but not logged again.
    expect(denied).toHaveLength(1);
    expect(s.slack.calls.some((c) => c.method === 'views.open')).toBe(false);
  });

  it('a flood of unauthorised clicks leaves one denied row per user and proposal, each click still refused', async () => {
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        s.click(i % 2 ? 'scout_approve' : 'scout_reject', closeDate.id as string, STRANGER),
      ),
    );
    await s.click('scout_approve', nextStep.id as string, STRANGER);
    await s.app.idle();
    const denied = (await s.h.log()).filter(
      (r) => r.action === 'denied' && r.actor === `slack:${STRANGER}`,
    );
    expect(denied.map((r) => r.proposal_id).sort()).toEqual([closeDate.id, nextStep.id].sort());
    expect(s.slack.ephemerals.filter((e) => e.user === STRANGER)).toHaveLength(61);
    expect(await s.proposal(closeDate.id as string)).toMatchObject({ status: 'pending' });
  });

  it('a card made while its owner was unknown is decided by the owner, resolved at the click', async () => {
    await s.h.database
      .sql`update proposals set owner_slack_id = null where id = ${closeDate.id as string}`;
    await s.click('scout_approve', closeDate.id as string, OWNER);
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({
      status: 'applied',
      decided_by: OWNER,
      owner_slack_id: OWNER,
    });
    expect(
      (await s.h.log()).filter(
        (r) => r.action === 'denied' && String(r.actor).startsWith('slack:'),
      ),
    ).toEqual([]);
  });

  it('a click that needs the owner looked up is answered first, with no Slack call before the ack', async () => {
    await s.h.database
      .sql`update proposals set owner_slack_id = null where id = ${closeDate.id as string}`;
    await s.h.database.sql`update crm_users set slack_user_id = null where id = 'u1'`;
    s.slack.usersByEmail.set('ana@example.com', OWNER);
    const lookups = () => s.slack.calls.filter((c) => c.method === 'users.lookupByEmail').length;
    const response = await s.click('scout_approve', closeDate.id as string, OWNER);
    expect(response.status).toBe(200);
    const atAck = lookups();
    await s.app.idle();
    expect(atAck).toBe(0);
    expect(lookups()).toBe(1);
    expect(await s.proposal(closeDate.id as string)).toMatchObject({
      status: 'applied',
      decided_by: OWNER,
      owner_slack_id: OWNER,
    });
  });

  it('the owner resolved at a click is saved on the proposal, so later clicks need no lookup', async () => {
    await s.h.database
      .sql`update proposals set owner_slack_id = null where id = ${closeDate.id as string}`;
    await s.click('scout_approve', closeDate.id as string, STRANGER);
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({
      status: 'pending',
      owner_slack_id: OWNER,
    });
    // The CRM no longer links the owner to Slack (and email lookup finds nobody): only the
    // saved owner lets the owner's click through.
    await s.h.database.sql`update crm_users set slack_user_id = null`;
    await s.click('scout_approve', closeDate.id as string, OWNER);
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({
      status: 'applied',
      decided_by: OWNER,
    });
  });

  it('an owner recorded on the card is never replaced by a later lookup', async () => {
    await createProposalStore(s.h.database.db).setOwner(closeDate.id as string, STRANGER);
    expect(await s.proposal(closeDate.id as string)).toMatchObject({ owner_slack_id: OWNER });
  });

  it('a configured approver may decide', async () => {
    await s.click('scout_reject', closeDate.id as string, APPROVER);
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({
      status: 'rejected',
      decided_by: APPROVER,
    });
    expect(await crmValue(s, 'd1', 'closedate')).toBeNull();
  });

  it('a member of an approver user group may decide; the group is read from Slack', async () => {
    s.slack.userGroups.set(APPROVER_GROUP, [GROUP_MEMBER]);
    await s.click('scout_approve', closeDate.id as string, GROUP_MEMBER);
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({
      status: 'applied',
      decided_by: GROUP_MEMBER,
    });
    expect(s.slack.calls.some((c) => c.method === 'usergroups.users.list')).toBe(true);
  });

  it("a group member's first click in a process is answered before Slack tells who is in the group", async () => {
    s.slack.userGroups.set(APPROVER_GROUP, [GROUP_MEMBER]);
    let release!: () => void;
    s.slack.holds.set('usergroups.users.list', new Promise<void>((r) => (release = r)));
    // Were the group read before the ack, this answer would wait for the release below.
    const response = await s.click('scout_approve', closeDate.id as string, GROUP_MEMBER);
    expect(response.status).toBe(200);
    expect(await s.proposal(closeDate.id as string)).toMatchObject({ status: 'pending' });
    release();
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({
      status: 'applied',
      decided_by: GROUP_MEMBER,
    });
    // Read once, the group answers the next click before the ack, with no call to Slack.
    const reads = () => s.slack.calls.filter((c) => c.method === 'usergroups.users.list').length;
    const before = reads();
    await s.click('scout_reject', nextStep.id as string, GROUP_MEMBER);
    expect(await s.proposal(nextStep.id as string)).toMatchObject({
      status: 'rejected',
      decided_by: GROUP_MEMBER,
    });
    expect(reads()).toBe(before);
  });

  it('when Slack will not open the edit form in time, the rep is told to press Edit again', async () => {
    s.slack.faults.set('views.open', [{ error: 'expired_trigger_id' }]);
    await s.click('scout_edit', nextStep.id as string, OWNER);
    await s.app.idle();
    expect(s.slack.ephemerals.at(-1)).toMatchObject({
      user: OWNER,
      text: expect.stringContaining('Press Edit… again'),
    });
    expect(await s.proposal(nextStep.id as string)).toMatchObject({ status: 'pending' });
  });

  it('a field the policy no longer allows is not written, even when approved', async () => {
    await s.h.database
      .sql`update proposals set status = 'approved' where id = ${nextStep.id as string}`;
    const policy = loadPolicyFile(s.policyPath);
    const narrowed = {
      ...policy,
      dealFields: new Map([...policy.dealFields].filter(([name]) => name !== 'next_step')),
    };
    const db = s.h.database.db;
    const done = await applyProposal(
      {
        crm: createLocalCrm(db),
        proposals: createProposalStore(db),
        policy: narrowed,
        liveWrites: '1',
        isPaused: async () => false,
      },
      nextStep.id as string,
    );
    expect(done?.row).toMatchObject({
      status: 'failed',
      outcome: expect.stringContaining('no longer lets Scout change next_step'),
    });
    expect(await crmValue(s, 'd3', 'next_step')).toBeNull();
  });

  it('a pause closes the locks for approvals: the apply becomes would_apply', async () => {
    await s.h.database
      .sql`insert into control (key, value, updated_by) values ('paused', 'true', 'test')`;
    await s.click('scout_approve', closeDate.id as string, OWNER);
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({ status: 'would_apply' });
    expect(await crmValue(s, 'd1', 'closedate')).toBeNull();
    expect(await count(s, 'would_apply')).toBe(1);
  });

  it('an expired proposal cannot be approved and its card loses the buttons', async () => {
    await s.h.database
      .sql`update proposals set expires_at = now() - interval '1 minute' where id = ${closeDate.id as string}`;
    await s.click('scout_approve', closeDate.id as string, OWNER);
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({ status: 'expired' });
    expect(await crmValue(s, 'd1', 'closedate')).toBeNull();
    expect(
      JSON.stringify(
        s.slack.messages.get(`${closeDate.slack_channel}/${closeDate.slack_ts}`)?.blocks,
      ),
    ).toContain('Expired');
  });

  it('the expiry sweep expires overdue proposals (expired, not rejected) and removes their buttons', async () => {
    await s.h.database
      .sql`update proposals set expires_at = now() - interval '1 minute' where id = ${closeDate.id as string}`;
    const db = s.h.database.db;
    const views = await expireDueProposals({
      crm: createLocalCrm(db),
      proposals: createProposalStore(db),
      policy: loadPolicyFile(s.policyPath),
      clock: () => new Date(),
    });
    expect(views.map((v) => v.row.id)).toEqual([closeDate.id]);
    for (const v of views) await s.app.notifier.refreshCard(v);
    expect(await s.proposal(closeDate.id as string)).toMatchObject({ status: 'expired' });
    expect(await s.proposal(nextStep.id as string)).toMatchObject({ status: 'pending' });
    expect(await count(s, 'expired')).toBe(1);
    const card = JSON.stringify(
      s.slack.messages.get(`${closeDate.slack_channel}/${closeDate.slack_ts}`)?.blocks,
    );
    expect(card).toContain('Expired');
    expect(card).not.toContain('scout_approve');
  });

  it('Edit opens a modal with the right input, refuses an invalid value inline, and writes a valid one with both values logged', async () => {
    await s.click('scout_edit', nextStep.id as string, OWNER);
    await s.app.idle();
    const opened = s.slack.calls.find((c) => c.method === 'views.open');
    const view = JSON.parse(String(opened?.args.view));
    const input = view.blocks.findIndex((b: { type: string }) => b.type === 'input');
    // The evidence is quoted above the input, so the edit is made against it.
    expect(view.blocks[input - 1]).toMatchObject({ type: 'context', block_id: 'quote' });
    expect(JSON.stringify(view.blocks[input - 1])).toContain('wire the refund');
    expect(view.blocks[input].element).toMatchObject({
      type: 'plain_text_input',
      initial_value: 'wire the refund to account 4417',
    });
    const submit = (value: string) => s.interact(editSubmission(view, OWNER, value));
    const tooLong = await submit('x'.repeat(301));
    expect(JSON.parse(tooLong.text)).toMatchObject({
      response_action: 'errors',
      errors: { value: expect.stringContaining('over the field') },
    });
    const blank = await submit('   ');
    expect(JSON.parse(blank.text)).toMatchObject({ response_action: 'errors' });
    expect(await s.proposal(nextStep.id as string)).toMatchObject({ status: 'pending' });
    const ok = await submit('Call Bill about the pilot scope');
    expect(ok.status).toBe(200);
    await s.app.idle();
    expect(await s.proposal(nextStep.id as string)).toMatchObject({
      status: 'applied',
      edited_value: 'Call Bill about the pilot scope',
    });
    expect(await crmValue(s, 'd3', 'next_step')).toBe('Call Bill about the pilot scope');
    // The card's value slot says what was approved, and what it replaced; not "Proposed".
    const card = s.slack.messages.get(`${nextStep.slack_channel}/${nextStep.slack_ts}`);
    const values = JSON.stringify(
      ((card?.blocks ?? []) as Array<{ block_id?: string }>).find((b) => b.block_id === 'values'),
    );
    expect(values).toContain(
      '*Approved*\\nCall Bill about the pilot scope (edited from wire the refund to account 4417)',
    );
    expect(values).not.toContain('*Proposed*');
    const edited = (await s.h.log(['--deal', 'd3'])).find((r) => r.action === 'edited');
    expect(edited?.reason).toContain(
      'proposed "wire the refund to account 4417", approved "Call Bill about the pilot scope"',
    );
  });

  it('an edit sent to a serve that never read the CRM definitions closes the form and answers in the card channel', async () => {
    await s.click('scout_edit', nextStep.id as string, OWNER);
    await s.app.idle();
    const view = JSON.parse(
      String(s.slack.calls.find((c) => c.method === 'views.open')?.args.view),
    );
    // Slack sends the submission to whichever serve it reaches; this one opened no form.
    const other = await s.anotherServe();
    const closed = await other.interact(editSubmission(view, OWNER, 'x'.repeat(301)));
    expect(closed).toMatchObject({ status: 200, text: '' });
    await other.app.idle();
    expect(s.slack.ephemerals.at(-1)).toMatchObject({
      channel: nextStep.slack_channel,
      user: OWNER,
      text: expect.stringContaining('over the field'),
    });
    expect(await s.proposal(nextStep.id as string)).toMatchObject({ status: 'pending' });
    // Having read them once, it refuses the next one on the form itself.
    const inline = await other.interact(editSubmission(view, OWNER, 'y'.repeat(301)));
    expect(JSON.parse(inline.text)).toMatchObject({ response_action: 'errors' });
    const ok = await other.interact(editSubmission(view, OWNER, 'Send the pilot plan'));
    expect(ok.text).toBe('');
    await other.app.idle();
    expect(await s.proposal(nextStep.id as string)).toMatchObject({
      status: 'applied',
      edited_value: 'Send the pilot plan',
    });
  });

  it('/scout pause, status and resume are for ops admins only', async () => {
    const refused = await s.command('/scout', 'pause', OWNER);
    expect(refused.text).toContain('Only Scout ops admins');
    const paused = await s.command('/scout', 'pause', 'U01OPS');
    expect(paused.text).toContain('paused');
    expect((await s.h.database.sql`select value from control where key = 'paused'`)[0]?.value).toBe(
      true,
    );
    const status = await s.command('/scout', 'status', 'U01OPS');
    expect(status.text).toContain('ON — writes blocked');
    expect(status.text).toContain('pending proposals:* 2');
    // The counts are the proposals table's, live and dry-run apart.
    const counted = await s.h.database.sql<{ dry: boolean; n: number }[]>`
      select dry_run as dry, count(*)::int as n from proposals where status = 'pending' group by dry_run`;
    const live = counted.find((r) => !r.dry)?.n ?? 0;
    const dry = counted.find((r) => r.dry)?.n ?? 0;
    expect(status.text).toContain(`pending proposals:* ${live} live · ${dry} from dry runs`);
    await s.command('/scout', 'resume', 'U01OPS');
    expect((await s.h.database.sql`select value from control where key = 'paused'`)[0]?.value).toBe(
      false,
    );
    expect((await s.command('/scout', 'dance', 'U01OPS')).text).toContain('Usage');
  });
});

describe('a dry-run card sent to its owner (dry_run_cards: owners)', () => {
  it('records would_apply on approval and writes nothing', async () => {
    const s = await createSlackHarness({ liveWrites: '0', dryRunCards: 'owners' });
    try {
      const runId = (await s.h.database.sql`select run_id from proposals limit 1`)[0]
        ?.run_id as string;
      await s.app.notifier.postProposals(runId);
      const p = (await s.proposals()).find((x) => x.field === 'closedate');
      expect(p?.dry_run).toBe(true);
      expect(JSON.stringify([...s.slack.messages.values()].map((m) => m.blocks))).toContain(
        'DRY RUN',
      );
      await s.click('scout_approve', p?.id as string, OWNER);
      await s.app.idle();
      expect(await s.proposal(p?.id as string)).toMatchObject({ status: 'would_apply' });
      expect(await crmValue(s, 'd1', 'closedate')).toBeNull();
    } finally {
      await s.close();
    }
  });
});
