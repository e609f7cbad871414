import { afterEach, describe, expect, it } from 'vitest';
import {
  createSlackHarness,
  OPS,
  OWNER,
  opsClickPayload,
  type SlackHarness,
  STRANGER,
} from '../support/slack-harness.js';

/** What `user` clicking "Undo this run" on `/scout undo`'s confirmation sends. */
function undoRunClick(runId: string, user: string) {
  return opsClickPayload(
    {
      action_id: 'scout_undo_run',
      block_id: 'undo_run_confirm',
      value: JSON.stringify({ r: runId }),
    },
    user,
    { ephemeral: true },
  );
}

/** The live run's writes (next_step is `auto` in the test policy): deal, field, before and after. */
async function writesOf(s: SlackHarness, runId: string) {
  return (
    await s.h.database.sql`select record_id, field, previous_value, new_value from provenance
      where run_id = ${runId} and action = 'written' order by id`
  ).map((r) => ({ ...r }));
}

const crmValue = async (s: SlackHarness, deal: string, field: string) =>
  (
    (
      await s.h.database.sql`select properties -> ${field} as v from crm_deals where id = ${deal}`
    )[0] as { v: unknown }
  ).v;

const undoRuns = async (s: SlackHarness) =>
  (await s.h.database.sql`select mode from runs where kind = 'undo'`).map((r) => ({ ...r }));

describe('/scout undo <run id>', () => {
  let s: SlackHarness;
  let runId: string;
  const start = async (options: { liveWrites?: string } = {}) => {
    s = await createSlackHarness(options);
    runId = (await s.h.database.sql`select run_id from proposals limit 1`)[0]?.run_id as string;
  };
  afterEach(async () => {
    await s.close();
  });

  it('is refused to anyone not among ops_admins, and logged; a forged confirmation click is refused too', async () => {
    await start();
    const writes = await writesOf(s, runId);
    expect(writes.length).toBeGreaterThan(0);
    const refused = JSON.parse((await s.command('/scout', `undo ${runId}`, OWNER)).text);
    expect(refused.text).toContain('Only Scout ops admins');
    expect(refused.blocks).toBeUndefined();

    await s.interact(undoRunClick(runId, STRANGER));
    await s.app.idle();
    expect(s.slack.ephemerals.at(-1)).toMatchObject({
      user: STRANGER,
      text: expect.stringContaining('Only Scout ops admins'),
    });
    expect(await undoRuns(s)).toEqual([]);
    for (const w of writes)
      expect(await crmValue(s, w.record_id as string, w.field as string)).toEqual(w.new_value);
  });

  it("an ops admin sees what it would restore first; confirmed, the run's values are back and ops hears of it", async () => {
    await start();
    const writes = await writesOf(s, runId);
    const asked = JSON.parse((await s.command('/scout', `undo ${runId}`, OPS)).text);
    expect(asked.response_type).toBe('ephemeral');
    const shown = JSON.stringify(asked.blocks);
    expect(shown).toContain(`${writes.length} change`);
    expect(shown).toContain('back to');
    // The button that does it carries Slack's own confirmation dialog.
    const button = asked.blocks.at(-1).elements[0];
    expect(button).toMatchObject({
      action_id: 'scout_undo_run',
      confirm: { title: { text: 'Undo this run?' } },
    });
    // Asking changed nothing.
    expect(await undoRuns(s)).toEqual([]);
    expect(await crmValue(s, writes[0]?.record_id, writes[0]?.field)).toEqual(writes[0]?.new_value);

    const opsBefore = [...s.slack.messages.values()].filter((m) => m.channel === 'C0OPS').length;
    const clicked = await s.interact({
      ...undoRunClick(runId, OPS),
      actions: [{ ...undoRunClick(runId, OPS).actions[0], value: button.value }],
    });
    expect(clicked.status).toBe(200);
    await s.app.idle();

    for (const w of writes)
      expect(await crmValue(s, w.record_id as string, w.field as string)).toEqual(w.previous_value);
    expect(await undoRuns(s)).toEqual([{ mode: 'live' }]);
    const undone = await s.h.database
      .sql`select actor from provenance where action = 'undone' order by id`;
    expect(undone.map((r) => r.actor)).toEqual(writes.map(() => `slack:${OPS}`));
    // The run's pending proposals can no longer write.
    const open = await s.h.database
      .sql`select id from proposals where run_id = ${runId} and status = 'pending'`;
    expect(open).toHaveLength(0);
    const ops = [...s.slack.messages.values()].filter((m) => m.channel === 'C0OPS');
    expect(ops.length).toBe(opsBefore + 1);
    expect(JSON.stringify(ops.at(-1)?.blocks)).toContain(`undo of run ${runId}`);
    expect(s.slack.ephemerals.at(-1)).toMatchObject({
      user: OPS,
      text: expect.stringContaining(`${writes.length} restored`),
    });
    expect(s.slack.violations).toEqual([]);
  });

  it('passes the write gates of `scout undo --run`: paused, the confirmation says DRY RUN and nothing is restored', async () => {
    await start();
    const writes = await writesOf(s, runId);
    await s.command('/scout', 'pause', OPS);
    const asked = JSON.parse((await s.command('/scout', `undo ${runId}`, OPS)).text);
    expect(JSON.stringify(asked.blocks)).toContain('DRY RUN');
    await s.interact(undoRunClick(runId, OPS));
    await s.app.idle();
    expect(await undoRuns(s)).toEqual([{ mode: 'dry_run' }]);
    for (const w of writes)
      expect(await crmValue(s, w.record_id as string, w.field as string)).toEqual(w.new_value);
    expect(s.slack.ephemerals.at(-1)?.text).toContain('DRY RUN, nothing was restored');
  });

  it('says plainly when there is no such run', async () => {
    await start();
    const asked = JSON.parse((await s.command('/scout', 'undo no-such-run', OPS)).text);
    expect(asked.text).toContain('No run no-such-run');
    expect(asked.blocks).toBeUndefined();
  });
});
