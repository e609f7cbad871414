import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createQueuedRunStore } from '../../src/db/queued-run-store.js';
import { createWriteNoticeStore } from '../../src/db/write-notice-store.js';
import { publishRun, storedSummary } from '../../src/services/publish-run.js';
import {
  clickPayload,
  createSlackHarness,
  OPS,
  OWNER,
  type SlackHarness,
  STRANGER,
} from '../support/slack-harness.js';

/** Economic buyer, identified pain and competition opted in to auto (and a lower bar), so a live run writes on two deals. */
const moreAuto = (text: string) => {
  const out = text
    .replace('thresholds: { auto: 0.90', 'thresholds: { auto: 0.80')
    .replace(
      /(economic_buyer|identified_pain|competition):\n {8}write: suggest/g,
      '$1:\n        write: auto',
    );
  expect(out.match(/write: auto/g)).toHaveLength(4);
  return out;
};

const quiet = pino({ level: 'silent' });

async function publish(s: SlackHarness, runId: string) {
  const runs = createQueuedRunStore(s.h.database.db);
  const run = await runs.get(runId);
  if (!run) throw new Error(`run ${runId} not stored`);
  return publishRun(
    { runs, notifier: s.app.notifier, logger: quiet, clock: () => new Date() },
    storedSummary(run),
  );
}

const runOf = async (s: SlackHarness) =>
  (
    await s.h.database
      .sql`select id from runs where kind = 'extract' order by started_at desc limit 1`
  )[0]?.id as string;

const notices = (s: SlackHarness) =>
  [...s.slack.messages.values()].filter(
    (m) => String(m.text).startsWith('Scout wrote') && m.thread_ts,
  );

const crmValue = async (s: SlackHarness, deal: string, field: string) =>
  (
    (
      await s.h.database.sql`select properties -> ${field} as v from crm_deals where id = ${deal}`
    )[0] as { v: unknown }
  ).v;

/** Slack's payload when `user` presses the Undo of `changeId` on a posted notice. */
function undoClick(notice: { channel: string; ts: string }, changeId: number, user: string) {
  const payload = clickPayload(
    'scout_undo',
    { id: 'unused', version: 1, slack_channel: notice.channel, slack_ts: notice.ts },
    user,
  );
  const [action] = payload.actions as Array<Record<string, unknown>>;
  return { ...payload, actions: [{ ...action, value: JSON.stringify({ c: changeId }) }] };
}

const writeOf = async (s: SlackHarness, deal: string, field: string) =>
  Number(
    (
      await s.h.database
        .sql`select id from provenance where action = 'written' and record_id = ${deal} and field = ${field}`
    )[0]?.id,
  );

describe('word of every write (issue 18): the owner hears what Scout wrote without a person', () => {
  let s: SlackHarness;
  afterEach(async () => {
    await s.close();
  });

  it("one notice per deal in the owner's thread, once however often the run is published; Undo restores the value", async () => {
    s = await createSlackHarness({ policy: moreAuto });
    const runId = await runOf(s);
    expect(await publish(s, runId)).toBe(true);

    const posted = notices(s);
    expect(posted.map((m) => m.channel).sort()).toEqual(['D01ANA', 'D01BEN']);
    const acme = posted.find((m) => m.channel === 'D01ANA');
    if (!acme) throw new Error('no notice for Acme');
    // The same thread as the run's approval card for the deal (Acme's close date).
    const card = (await s.proposals()).find((p) => p.record_id === 'd1' && p.run_id === runId);
    const parent = s.slack.messages.get(`${card?.slack_channel}/${card?.slack_ts}`);
    expect(parent?.thread_ts).toBeDefined();
    expect(acme.thread_ts).toBe(parent?.thread_ts);
    const body = JSON.stringify(acme.blocks);
    expect(acme.text).toContain('Scout wrote 3 changes to Acme');
    for (const label of ['*Economic buyer*', '*Identified pain*', '*Next step*'])
      expect(body).toContain(label);
    expect(body).not.toMatch(/economic_buyer|identified_pain|next_step/);
    expect(body).toContain('_empty_ → Send the security questionnaire by Friday');
    expect(body).toContain('from a meeting of 2026-11-20');
    expect(body).toContain('from a call of 2026-11-18');
    expect(body.match(/"scout_undo"/g)).toHaveLength(3);
    expect(body.match(/"Undo this change\?"/g)).toHaveLength(3);
    expect(s.slack.violations).toEqual([]);

    // Publishing again, or another process's notifier, posts nothing new.
    const before = s.slack.messages.size;
    await publish(s, runId);
    expect(await s.app.notifier.postWriteNotices?.(runId)).toBe(0);
    expect(s.slack.messages.size).toBe(before);
    expect(notices(s)).toHaveLength(2);

    // A stranger's Undo is refused and logged; the owner's restores the old value.
    const nextStep = await writeOf(s, 'd1', 'next_step');
    await s.interact(undoClick(acme, nextStep, STRANGER));
    await s.app.idle();
    expect(s.slack.ephemerals.at(-1)).toMatchObject({
      user: STRANGER,
      text: expect.stringContaining("Only the deal's owner or a Scout ops admin"),
    });
    expect(
      (
        await s.h.database
          .sql`select actor from provenance where action = 'denied' and actor <> 'agent'`
      ).map((r) => r.actor),
    ).toEqual([`slack:${STRANGER}`]);
    expect(await crmValue(s, 'd1', 'next_step')).toBe('Send the security questionnaire by Friday');

    const r = await s.interact(undoClick(acme, nextStep, OWNER));
    expect(r.status).toBe(200);
    await s.app.idle();
    expect(await crmValue(s, 'd1', 'next_step')).toBeNull();
    const undone = await s.h.database
      .sql`select actor, undoes, dry_run from provenance where action = 'undone'`;
    expect(undone.map((u) => ({ ...u }))).toEqual([
      { actor: `slack:${OWNER}`, undoes: String(nextStep), dry_run: false },
    ]);
    // The notice shows that line undone, by whom; the other two keep their Undo.
    const after = JSON.stringify(s.slack.messages.get(`${acme.channel}/${acme.ts}`)?.blocks);
    expect(after).toContain(`*Undone* by <@${OWNER}>`);
    expect(after.match(/"scout_undo"/g)).toHaveLength(2);
    expect(after).toContain('from a call of 2026-11-18');
    expect(s.slack.ephemerals.at(-1)).toMatchObject({
      user: OWNER,
      text: 'Undo: undone: the value from before Scout wrote it is back.',
    });
    expect(await crmValue(s, 'd1', 'economic_buyer')).toBe('Dana Whitfield (CFO)');

    // An ops admin may undo from Ben's notice too.
    const globex = posted.find((m) => m.channel === 'D01BEN');
    if (!globex) throw new Error('no notice for Globex');
    await s.interact(undoClick(globex, await writeOf(s, 'd2', 'competition'), OPS));
    await s.app.idle();
    expect(await crmValue(s, 'd2', 'competition')).toBeNull();
    expect(s.slack.violations).toEqual([]);
  });

  /** Another process's notifier over the same database and Slack. */
  const otherNotifier = (approvalsChannel?: string) =>
    s.anotherNotifier({
      writeNotices: createWriteNoticeStore(s.h.database.db),
      ...(approvalsChannel ? { approvalsChannel } : {}),
    });

  /** Ben (the owner of Globex, d2) has no Slack id and an email Slack does not know. */
  const benNotInSlack = () =>
    s.h.database
      .sql`update crm_users set slack_user_id = null, email = 'ben@elsewhere.example' where id = 'u2'`;

  it('a deal whose owner is not in Slack goes to the approvals channel', async () => {
    s = await createSlackHarness({ policy: moreAuto });
    await benNotInSlack();
    expect(await otherNotifier('C0APPROVALS').postWriteNotices?.(await runOf(s))).toBe(2);
    expect(
      notices(s)
        .map((m) => m.channel)
        .sort(),
    ).toEqual(['C0APPROVALS', 'D01ANA']);
  });

  it('with no approvals channel either, that deal is skipped and the others are told; Undo obeys the window', async () => {
    s = await createSlackHarness({ policy: moreAuto, undoWindowHours: 0 });
    await benNotInSlack();
    expect(await s.app.notifier.postWriteNotices?.(await runOf(s))).toBe(1);
    const [acme] = notices(s);
    expect(acme?.channel).toBe('D01ANA');
    if (!acme) throw new Error('no notice for Acme');
    await s.interact(undoClick(acme, await writeOf(s, 'd1', 'next_step'), OWNER));
    await s.app.idle();
    expect(s.slack.ephemerals.at(-1)?.text).toMatch(
      /^Undo from Slack is turned off \(SCOUT_UNDO_WINDOW_HOURS=0\)\. Ops can run `scout undo --change \d+`\.$/,
    );
    expect(await crmValue(s, 'd1', 'next_step')).toBe('Send the security questionnaire by Friday');
  });

  it('two processes telling the same run at once post each notice once', async () => {
    s = await createSlackHarness({ policy: moreAuto });
    const runId = await runOf(s);
    const other = otherNotifier();
    const posted = await Promise.all([
      s.app.notifier.postWriteNotices?.(runId),
      other.postWriteNotices?.(runId),
      s.app.notifier.postWriteNotices?.(runId),
    ]);
    expect(posted.reduce((a = 0, b = 0) => a + b, 0)).toBe(2);
    expect(
      notices(s)
        .map((m) => m.channel)
        .sort(),
    ).toEqual(['D01ANA', 'D01BEN']);
  });

  it('a dry run posts no write notice', async () => {
    s = await createSlackHarness({ policy: moreAuto, runArgs: [] });
    const runId = await runOf(s);
    expect(
      (
        await s.h.database
          .sql`select count(*)::int as n from provenance where action = 'would_write' and field = 'next_step'`
      )[0]?.n,
    ).toBe(1);
    expect(await publish(s, runId)).toBe(true);
    expect(await s.app.notifier.postWriteNotices?.(runId)).toBe(0);
    expect(notices(s)).toEqual([]);
  });
});
