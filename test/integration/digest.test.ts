import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { postDigestIfDue } from '../../src/jobs/weekly-digest.js';
import { createLogger } from '../../src/logger.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import { checkBlocks } from '../support/block-kit-limits.js';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from '../support/scout-env.js';
import { type SlackStandIn, startSlackStandIn } from '../support/slack-stand-in.js';
import { testNotifier } from '../support/worker-harness.js';

const LIVE = { LIVE_WRITES: '1' };

describe('the weekly digest, through the Slack stand-in (G27)', () => {
  let h: ScoutHarness;
  let slack: SlackStandIn;
  beforeEach(async () => {
    h = await createHarness({ policy: AUTO_NEXT_STEP_POLICY });
    slack = await startSlackStandIn();
    await h.ok(['run', '--apply'], LIVE);
    await h.database
      .sql`insert into provenance (run_id, object, record_id, field, action, reason, actor, dry_run, confidence)
      values ('r0', 'deal', 'd1', 'closedate', 'rejected', 'rejected in Slack: wrong year', 'slack:U1', false, 0.8)`;
  });
  afterEach(async () => {
    await slack.close();
    await h.database.destroy();
  });

  const opsMessages = () => [...slack.messages.values()].filter((m) => m.channel === 'C0OPS');

  it('scout digest prints the week; --post puts it in the ops channel in Block Kit within its limits', async () => {
    const text = await h.ok(['digest']);
    expect(text).toMatch(/^Scout weekly digest: \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}/);
    expect(text).toContain('Runs: 1 (1 live, 0 dry)');
    expect(text).toMatch(/Coverage: the newest run looked at (\d+) of \1 deals \(100%\)/);
    expect(text).toContain('Close date: 1 rejected (rejected in Slack: wrong year: 1)');
    expect(text).toContain('written automatically');
    expect(opsMessages()).toEqual([]);

    const env = {
      SLACK_BOT_TOKEN: slack.token,
      SLACK_API_URL: slack.url,
      SCOUT_OPS_CHANNEL: 'C0OPS',
    };
    await h.ok(['digest', '--post'], env);
    const [posted] = opsMessages();
    const blocks = posted?.blocks as Array<{ type: string; text?: { text: string } }>;
    expect(blocks[0]?.type).toBe('header');
    expect(blocks[0]?.text?.text).toContain('Scout weekly digest');
    expect(blocks.map((b) => b.text?.text ?? '').join('\n')).toContain(
      'Close date: 1 rejected (rejected in Slack: wrong year: 1)',
    );
    // Labels, never the policy's keys.
    expect(JSON.stringify(blocks)).not.toMatch(/closedate|next_step|next​_​step/);
    expect(checkBlocks(blocks, 'message')).toEqual([]);
    expect(slack.violations).toEqual([]);
    expect((await h.cli(['digest', '--post'])).code).toBe(2);
  });

  it('the worker posts it once per due time, across restarts, from its first full week', async () => {
    const deps = (now: string) => ({
      db: h.database.db,
      policy: loadPolicyFile(AUTO_NEXT_STEP_POLICY),
      notifier: testNotifier({ database: h.database, crm: createLocalCrm(h.database.db), slack }),
      logger: createLogger('silent'),
      clock: () => new Date(now),
    });
    // A first tick records where it stands: no backlog of digests.
    expect(await postDigestIfDue(deps('2026-11-30T10:00:00Z'))).toBe(false);
    expect(await postDigestIfDue(deps('2026-12-06T23:00:00Z'))).toBe(false);
    // Monday 09:00 UTC passes: one digest, whichever process ticks, however often.
    expect(await postDigestIfDue(deps('2026-12-07T09:00:30Z'))).toBe(true);
    expect(await postDigestIfDue(deps('2026-12-07T09:01:00Z'))).toBe(false);
    expect(await postDigestIfDue(deps('2026-12-07T12:00:00Z'))).toBe(false);
    expect(opsMessages()).toHaveLength(1);
    const blocks = (opsMessages()[0]?.blocks ?? []) as Array<{ text?: { text: string } }>;
    const header = blocks[0];
    expect(header?.text?.text).toBe('Scout weekly digest: 2026-11-30 to 2026-12-07');
    expect(slack.violations).toEqual([]);
  });

  it('a failed post is tried again on the next tick', async () => {
    const deps = (now: string) => ({
      db: h.database.db,
      policy: loadPolicyFile(AUTO_NEXT_STEP_POLICY),
      notifier: testNotifier({ database: h.database, crm: createLocalCrm(h.database.db), slack }),
      logger: createLogger('silent'),
      clock: () => new Date(now),
    });
    await postDigestIfDue(deps('2026-11-30T10:00:00Z'));
    slack.faults.set('chat.postMessage', [{ error: 'channel_not_found' }]);
    expect(await postDigestIfDue(deps('2026-12-07T09:00:30Z'))).toBe(false);
    expect(await postDigestIfDue(deps('2026-12-07T09:01:00Z'))).toBe(true);
    expect(opsMessages()).toHaveLength(1);
  });
});
