import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { applyJobId } from '../../src/services/job-ids.js';
import { AUTO_NEXT_STEP_POLICY, createHarness } from '../support/scout-env.js';
import { startSlackStandIn } from '../support/slack-stand-in.js';
import {
  approveProposal,
  insertProposal,
  pipelineFiles,
  startTestWorker,
  testNotifier,
  until,
} from '../support/worker-harness.js';

describe('the Undo window on cards a worker redraws after an apply', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
  });

  /** Applies one approved proposal through an inline worker; the card's blocks after it. */
  async function appliedCard(undoWindowHours: number) {
    const files = pipelineFiles(1, 1);
    const h = await createHarness({
      seed: files.seedPath,
      replay: files.replayPath,
      policy: AUTO_NEXT_STEP_POLICY,
    });
    const slack = await startSlackStandIn();
    cleanups.push(async () => {
      await slack.close();
      await h.database.destroy();
    });
    const runId = randomUUID();
    const id = await insertProposal(h.database, {
      runId,
      dealId: 'd0',
      field: 'next_step',
      newValue: 'Send the MSA',
    });
    await testNotifier({
      database: h.database,
      crm: createLocalCrm(h.database.db),
      slack,
    }).postProposals(runId);
    const version = await approveProposal(h.database, id);
    const worker = await startTestWorker({
      database: h.database,
      replayPath: files.replayPath,
      liveWrites: '1',
      slack,
      undoWindowHours,
    });
    cleanups.push(async () => void (await worker.runtime.stop(2_000)));
    await worker.jobs.add('applies', [
      { id: applyJobId(id, version), data: { proposalId: id, version } },
    ]);
    const row = async () => (await h.database.sql`select * from proposals where id = ${id}`)[0];
    await until(async () => (await row())?.status === 'applied', 'the apply');
    const applied = await row();
    const card = slack.messages.get(`${applied?.slack_channel}/${applied?.slack_ts}`);
    await until(() => (card?.updates ?? 0) > 0, 'the card redrawn');
    return JSON.stringify(card?.blocks);
  }

  it('offers Undo with the window open, and not with undo from Slack turned off (0 hours)', async () => {
    expect(await appliedCard(24)).toContain('scout_undo');
    expect(await appliedCard(0)).not.toContain('scout_undo');
  });
});
