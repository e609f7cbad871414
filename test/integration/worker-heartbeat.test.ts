import { afterEach, describe, expect, it } from 'vitest';
import { createHeartbeatStore } from '../../src/db/heartbeat-store.js';
import { HEARTBEAT } from '../../src/jobs/background-work.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../src/policy-file.js';
import { startInlineServeRuntime } from '../support/inline-runtime.js';
import { startSlackStandIn } from '../support/slack-stand-in.js';
import { createTestDatabase } from '../support/test-database.js';
import { pipelineFiles, startTestWorker, until } from '../support/worker-harness.js';

const SHARED_REDIS = 'redis://127.0.0.1:6379';

describe('heartbeat watchdog', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('alerts ops once per silence of the worker, from any process', async () => {
    const database = await createTestDatabase();
    const slack = await startSlackStandIn();
    const runtime = await startInlineServeRuntime({
      database,
      policy: loadPolicyFile(DEFAULT_POLICY_PATH),
      liveWrites: undefined,
      slack,
    });
    cleanups.push(async () => {
      await runtime.stop(1_000);
      await slack.close();
      await database.destroy();
    });
    const beats = createHeartbeatStore(database.db);
    const alerts = () =>
      slack.calls.filter(
        (c) => c.method === 'chat.postMessage' && String(c.args.text).includes('no progress'),
      );

    await beats.beat(HEARTBEAT, new Date());
    await runtime.tick();
    expect(alerts()).toHaveLength(0);

    await beats.beat(HEARTBEAT, new Date(Date.now() - 5 * 60_000));
    await runtime.tick();
    await runtime.tick();
    expect(alerts()).toHaveLength(1);
    expect(String(alerts()[0]?.args.text)).toMatch(/no progress for 3\d\d s/);

    // The worker came back after the alert, then fell silent again: a new alert.
    await beats.beat(HEARTBEAT, new Date());
    await runtime.tick();
    expect(alerts()).toHaveLength(1);
    await database.sql`update heartbeats set alerted_at = now() - interval '10 minutes', beat_at = now() - interval '2 minutes'`;
    await runtime.tick();
    expect(alerts()).toHaveLength(2);
    expect(slack.violations).toEqual([]);
  });

  it('the heartbeat job stamps Postgres again and again under a BullMQ worker', async () => {
    const database = await createTestDatabase();
    cleanups.push(() => database.destroy());
    const worker = await startTestWorker({
      database,
      replayPath: pipelineFiles(1, 1).replayPath,
      redisUrl: SHARED_REDIS,
      timings: { heartbeatMs: 100 },
    });
    cleanups.push(async () => void (await worker.runtime.stop(2_000)));
    expect(await worker.jobs.schedulerKeys()).toContain('heartbeat');
    const beats = createHeartbeatStore(database.db);
    const beatAt = async () => (await beats.last(HEARTBEAT))?.beatAt.getTime() ?? 0;
    // The worker stamps once itself as it starts; every later stamp is the heartbeat job's.
    let last = await beatAt();
    expect(last).toBeGreaterThan(0);
    for (let i = 0; i < 3; i++) {
      const before = last;
      await until(async () => {
        last = await beatAt();
        return last > before;
      }, 'the heartbeat to move forward');
    }
  });
});
