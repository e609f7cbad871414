import { afterEach, describe, expect, it } from 'vitest';
import { createControlStore } from '../../src/db/control-store.js';
import {
  createSlackHarness,
  OPS,
  OWNER,
  opsClickPayload,
  type SlackHarness,
} from '../support/slack-harness.js';

type Block = { type: string; block_id?: string; text?: { text: string }; elements?: unknown[] };
type Button = { action_id: string; text: { text: string }; value: string };

function opsSummary(s: SlackHarness) {
  // A dry run's previews are in the ops channel too (dry_run_cards: ops); the summary has a header.
  const posted = [...s.slack.messages.values()].filter(
    (m) => m.channel === 'C0OPS' && (m.blocks as Block[])[0]?.type === 'header',
  );
  expect(posted).toHaveLength(1);
  const blocks = posted[0]?.blocks as Block[];
  const byId = (id: string) => blocks.find((b) => b.block_id === id);
  return {
    text: String(posted[0]?.text),
    header: blocks[0]?.text?.text ?? '',
    body: byId('summary')?.text?.text ?? '',
    shown: JSON.stringify(blocks),
    button: (label: string) =>
      ((byId('run_actions')?.elements ?? []) as Button[]).find((b) => b.text.text === label),
  };
}

describe('the ops summary of a run, through the real Bolt app', () => {
  let s: SlackHarness;
  afterEach(async () => {
    await s.close();
  });

  const click = async (button: Button | undefined, user: string) => {
    if (!button) throw new Error('no such button');
    const r = await s.interact(
      opsClickPayload(
        { action_id: button.action_id, block_id: 'run_actions', value: button.value },
        user,
      ),
    );
    expect(r.status).toBe(200);
    await s.app.idle();
    return s.slack.ephemerals.at(-1);
  };

  it('a live run says which deals changed and who has cards; Details, Undo and Pause work for ops admins only', async () => {
    s = await createSlackHarness({ runPostsToSlack: true });
    const db = s.h.database.sql;
    const runId = (await db`select run_id from proposals limit 1`)[0]?.run_id as string;
    const changed =
      await db`select distinct d.name from provenance p join crm_deals d on d.id = p.record_id
      where p.run_id = ${runId} and p.action in ('written', 'applied') order by d.name`;
    const written = await db`select count(*)::int as n from provenance
      where run_id = ${runId} and action in ('written', 'applied')`;
    const cards = await db`select u.name, count(*)::int as n from proposals p
      join crm_users u on u.slack_user_id = p.owner_slack_id where p.run_id = ${runId} group by u.name`;
    expect(changed.length).toBeGreaterThan(1);
    expect(cards).toHaveLength(1);

    const summary = opsSummary(s);
    const header = `LIVE — ${written[0]?.n} fields written on ${changed.length} deals · ${cards[0]?.n} cards to 1 person`;
    expect(summary.header).toBe(header);
    expect(summary.text.startsWith(header)).toBe(true);
    for (const deal of changed) expect(summary.body).toContain(`• *${deal.name}* — `);
    expect(summary.body).toContain(`*Cards waiting:* ${cards[0]?.name} ${cards[0]?.n}`);
    expect(summary.body).toContain('*Scanned* 5 of 5 deals');
    // People and fields by name: no Slack or CRM user id, no action or gate key.
    expect(summary.shown).not.toMatch(/U01ANA|"u1"|would_|live_writes|next_step/);
    expect(summary.shown).toContain(`run \`${runId}\``);

    // Details: the full printed summary, to whoever asks.
    expect(await click(summary.button('Details'), OWNER)).toMatchObject({
      user: OWNER,
      text: expect.stringContaining(`run ${runId}\nscanned 5 of 5 deals`),
    });

    // Undo this run: refused to a rep; for an ops admin, the same preview as `/scout undo <run>`.
    expect(await click(summary.button('Undo this run'), OWNER)).toMatchObject({
      user: OWNER,
      text: expect.stringContaining('Only Scout ops admins'),
    });
    const preview = await click(summary.button('Undo this run'), OPS);
    const asked = JSON.parse((await s.command('/scout', `undo ${runId}`, OPS)).text);
    expect(preview).toMatchObject({ user: OPS, text: asked.text, blocks: asked.blocks });
    expect(JSON.stringify(preview?.blocks)).toContain('scout_undo_run');
    // Neither undid anything: the confirmation's own button does.
    expect(await db`select id from runs where kind = 'undo'`).toHaveLength(0);

    // Pause: refused to a rep; an ops admin's click pauses Scout as `/scout pause` does.
    const control = createControlStore(s.h.database.db);
    expect(await click(summary.button('Pause'), OWNER)).toMatchObject({
      text: expect.stringContaining('Only Scout ops admins'),
    });
    expect(await control.isPaused()).toBe(false);
    expect(await click(summary.button('Pause'), OPS)).toMatchObject({
      user: OPS,
      text: expect.stringContaining('Scout is *paused*'),
    });
    expect(await control.isPaused()).toBe(true);
    expect(s.slack.violations).toEqual([]);
  }, 60_000);

  it('a dry run says what it would have written, and offers no Undo', async () => {
    s = await createSlackHarness({ runPostsToSlack: true, liveWrites: '0' });
    const summary = opsSummary(s);
    expect(summary.header).toMatch(
      /^DRY RUN — nothing was written · would write \d+ fields on \d+ deals · \d+ cards previewed$/,
    );
    expect(summary.body).toContain('*Would change:*');
    expect(summary.button('Undo this run')).toBeUndefined();
    expect(summary.button('Pause')).toBeDefined();
  }, 60_000);
});
