import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EXAMPLE_REPLAY } from '../support/scout-env.js';
import {
  APPROVER,
  APPROVER_GROUP,
  createSlackHarness,
  GROUP_MEMBER,
  OWNER,
  type SlackHarness,
  STRANGER,
  viewSubmission,
} from '../support/slack-harness.js';

/** A static_select choice on a card, as Slack signs and sends it. */
function chooseReason(
  s: SlackHarness,
  proposal: Record<string, unknown>,
  user: string,
  code: string,
) {
  return s.interact({
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0SCOUT',
    token: 'legacy',
    team: { id: 'T0TEST', domain: 'example' },
    trigger_id: `1337.${Date.now()}.1`,
    container: {
      type: 'message',
      message_ts: proposal.slack_ts,
      channel_id: proposal.slack_channel,
      is_ephemeral: false,
    },
    channel: { id: proposal.slack_channel, name: 'directmessage' },
    message: { ts: proposal.slack_ts, text: 'card' },
    response_url: 'https://hooks.slack.com/actions/T0TEST/1/abc',
    actions: [
      {
        type: 'static_select',
        action_id: 'scout_reject_reason',
        block_id: 'reject_reason',
        selected_option: {
          text: { type: 'plain_text', text: code },
          value: JSON.stringify({ p: proposal.id, r: code }),
        },
        action_ts: `${Date.now() / 1000}`,
      },
    ],
  });
}

const cardOf = (s: SlackHarness, p: Record<string, unknown>) =>
  JSON.stringify(s.slack.messages.get(`${p.slack_channel}/${p.slack_ts}`)?.blocks);

describe('rejections teach (G24) through the real Bolt app', () => {
  let s: SlackHarness;
  let closeDate: Record<string, unknown>;
  beforeEach(async () => {
    s = await createSlackHarness();
    const runId = (await s.h.database.sql`select run_id from proposals limit 1`)[0]
      ?.run_id as string;
    await s.app.notifier.postProposals(runId);
    closeDate = (await s.proposals()).find((p) => p.field === 'closedate') ?? {};
  });
  afterEach(async () => {
    await s.close();
  });

  it('Reject stays one click; a reason offered after it is kept once, shown on the card, and only by someone who may decide', async () => {
    await s.click('scout_reject', closeDate.id as string, OWNER);
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({
      status: 'rejected',
      reject_reason: null,
    });
    expect(cardOf(s, closeDate)).toContain('scout_reject_reason');
    expect(cardOf(s, closeDate)).toContain('not what the note says');

    await chooseReason(s, closeDate, STRANGER, 'wrong_value');
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({ reject_reason: null });
    const denied = (await s.h.log(['--deal', 'd1'])).filter(
      (r) => r.action === 'denied' && String(r.actor).startsWith('slack:'),
    );
    expect(denied.map((r) => r.actor)).toEqual([`slack:${STRANGER}`]);

    await chooseReason(s, closeDate, APPROVER, 'out_of_date');
    await chooseReason(s, closeDate, OWNER, 'wrong_value');
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({
      reject_reason: 'out_of_date',
      reject_note: null,
    });
    expect(cardOf(s, closeDate)).toContain('reason: out of date');
    expect(cardOf(s, closeDate)).not.toContain('scout_reject_reason');
    expect(
      s.slack.ephemerals.some((e) => e.user === OWNER && /already recorded/.test(e.text)),
    ).toBe(true);
    // Statistics count rejections by the reason chosen.
    const stats = JSON.parse(await s.h.ok(['stats', '--json'], s.env)) as {
      fields: Array<{ field: string; rejected_by_reason: Record<string, number> }>;
    };
    expect(stats.fields.find((f) => f.field === 'closedate')?.rejected_by_reason).toEqual({
      'out of date': 1,
    });
    expect(s.slack.violations).toEqual([]);
  });

  it("a group member's reason is answered before Slack tells who is in the group, and kept after", async () => {
    // Rejected in the database: a click's follow-ups (the Home tabs) would read the group.
    await s.h.database.sql`update proposals set status = 'rejected', decided_by = ${OWNER}
      where id = ${closeDate.id as string}`;
    s.slack.userGroups.set(APPROVER_GROUP, [GROUP_MEMBER]);
    let release!: () => void;
    s.slack.holds.set('usergroups.users.list', new Promise<void>((r) => (release = r)));
    // Were the group read before the ack, this answer would wait for the release below.
    const answer = await chooseReason(s, closeDate, GROUP_MEMBER, 'out_of_date');
    expect(answer.status).toBe(200);
    expect(await s.proposal(closeDate.id as string)).toMatchObject({ reject_reason: null });
    release();
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({
      reject_reason: 'out_of_date',
    });
  });

  it('"other" asks for words in a modal and keeps them', async () => {
    await s.click('scout_reject', closeDate.id as string, OWNER);
    await s.app.idle();
    await chooseReason(s, closeDate, OWNER, 'other');
    await s.app.idle();
    const opened = s.slack.calls.find((c) => c.method === 'views.open');
    const view = JSON.parse(String(opened?.args.view));
    expect(view.callback_id).toBe('scout_reject_other');
    const submit = (value: string) =>
      s.interact(
        viewSubmission(view, OWNER, {
          other_reason: { text: { type: 'plain_text_input', value } },
        }),
      );
    expect(JSON.parse((await submit('   ')).text)).toMatchObject({ response_action: 'errors' });
    expect((await submit('the <customer> moved it to Q2 *again*')).status).toBe(200);
    await s.app.idle();
    expect(await s.proposal(closeDate.id as string)).toMatchObject({
      reject_reason: 'other',
      reject_note: 'the <customer> moved it to Q2 *again*',
    });
    const card = cardOf(s, closeDate);
    expect(card).toContain('reason: other: the &lt;customer&gt;');
    expect(card).not.toContain('<customer>');
  });

  it('a rejected value is not proposed again by --rescan, dry or live; a different value is', async () => {
    await s.click('scout_reject', closeDate.id as string, OWNER);
    await s.app.idle();
    const rejectedAt = (
      (await s.h.log(['--deal', 'd1'])).find((r) => r.action === 'rejected') as {
        created_at: string;
      }
    ).created_at;

    const dry = await s.h.runJson(['--rescan', '--deal', 'd1'], { ...s.env, LIVE_WRITES: '0' });
    const live = await s.h.runJson(['--apply', '--rescan', '--deal', 'd1'], s.env);
    for (const run of [dry, live]) {
      const rows = (await s.h.log(['--run', String(run.run_id)])).filter(
        (r) => r.field === 'closedate',
      );
      expect(rows.map((r) => r.action)).toEqual(['skipped']);
      expect(rows[0]?.reason).toContain(`slack:${OWNER} rejected this value at`);
      expect(rows[0]?.reason).toContain(new Date(rejectedAt).toISOString());
      expect(run.counts.proposed).toBe(0);
    }
    expect((await s.proposals()).filter((p) => p.field === 'closedate')).toHaveLength(1);

    // The note now says another date: that value is handled as usual.
    const replay = JSON.parse(readFileSync(EXAMPLE_REPLAY, 'utf8')) as Record<
      string,
      Array<Record<string, unknown>>
    >;
    for (const f of replay.d1 ?? []) if (f.field === 'closedate') f.value = '2027-02-15';
    const other = join(s.policyPath, '..', 'replay.json');
    writeFileSync(other, JSON.stringify(replay));
    const third = await s.h.runJson(['--apply', '--rescan', '--deal', 'd1'], {
      ...s.env,
      SCOUT_REPLAY_FILE: other,
    });
    expect(third.counts.proposed).toBe(1);
  });

  it('a dismissed suggestion (any case or spacing) is not suggested again', async () => {
    // As the Not useful button logs it: `rejected` by a person, on the rep-owned field.
    await s.h.database
      .sql`insert into provenance (run_id, object, record_id, field, action, reason, new_value, actor, dry_run)
      values ('manual', 'deal', 'd2', 'competition', 'rejected', 'dismissed', '"  initrode "', ${`slack:${OWNER}`}, false)`;
    const run = await s.h.runJson(['--apply', '--rescan', '--deal', 'd2'], s.env);
    const rows = (await s.h.log(['--run', String(run.run_id)])).filter((r) =>
      String(r.field).endsWith('competition'),
    );
    expect(rows.map((r) => r.action)).toEqual(['skipped']);
    expect(rows[0]?.reason).toContain('rejected before');
    expect(run.counts.written).toBe(0);
  });
});
