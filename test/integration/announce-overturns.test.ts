import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { announceOverturns } from '../../src/jobs/announce-overturns.js';
import { createLogger } from '../../src/logger.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import { AUTO_NEXT_STEP_POLICY } from '../support/scout-env.js';
import { createTestDatabase, type TestDatabase } from '../support/test-database.js';

describe('an auto field reps overturn is announced once in the ops channel (G26)', () => {
  let database: TestDatabase;
  const policy = loadPolicyFile(AUTO_NEXT_STEP_POLICY);
  const logger = createLogger('silent');
  beforeEach(async () => {
    database = await createTestDatabase();
  });
  afterEach(async () => {
    await database.destroy();
  });

  const log = (overturned: number, written: number) =>
    database.sql`insert into provenance (run_id, object, record_id, field, action, actor, dry_run)
      select 'r0', 'deal', 'd' || i, 'next_step', case when i <= ${overturned} then 'overturned' else 'written' end, 'agent', false
      from generate_series(1, ${overturned + written}) as i`;
  const posting = () => {
    const posts: string[] = [];
    return { posts, notifier: { postOpsAlert: async (text: string) => void posts.push(text) } };
  };

  it('stays quiet under the bound, then announces once, across restarts', async () => {
    await log(2, 28);
    const first = posting();
    expect(await announceOverturns({ db: database.db, policy, logger, ...first })).toEqual([]);
    await log(10, 0);
    expect(await announceOverturns({ db: database.db, policy, logger, ...first })).toEqual([
      'next_step',
    ]);
    expect(first.posts).toHaveLength(1);
    expect(first.posts[0]).toContain('next_step: demote from auto to approve — 12 of 28');
    expect(first.posts[0]).toContain('scout autonomy');
    await announceOverturns({ db: database.db, policy, logger, ...first });
    // A new process (a restart) reads the claim from Postgres: still one announcement.
    const restarted = posting();
    expect(await announceOverturns({ db: database.db, policy, logger, ...restarted })).toEqual([]);
    expect([...first.posts, ...restarted.posts]).toHaveLength(1);
  });

  it('a failed post gives the claim back, so the next run announces it', async () => {
    await log(12, 28);
    const failing = {
      postOpsAlert: async () => {
        throw new Error('slack is down');
      },
    };
    expect(await announceOverturns({ db: database.db, policy, logger, notifier: failing })).toEqual(
      [],
    );
    const next = posting();
    expect(await announceOverturns({ db: database.db, policy, logger, ...next })).toEqual([
      'next_step',
    ]);
  });
});
