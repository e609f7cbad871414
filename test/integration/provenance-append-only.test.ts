import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHarness, type ScoutHarness } from '../support/scout-env.js';

describe('provenance is append-only (G10)', () => {
  let h: ScoutHarness;
  beforeAll(async () => {
    h = await createHarness();
    await h.ok(['run']);
  });
  afterAll(async () => {
    await h.database.destroy();
  });

  const count = async () =>
    ((await h.database.sql`select count(*)::int as n from provenance`)[0] as { n: number }).n;

  it.each([
    [
      'UPDATE',
      `update provenance set reason = 'edited' where id = (select min(id) from provenance)`,
    ],
    ['DELETE', 'delete from provenance where id = (select min(id) from provenance)'],
    ['TRUNCATE', 'truncate provenance'],
  ])('refuses %s from the application connection', async (op, statement) => {
    const before = await count();
    await expect(h.database.sql.unsafe(statement)).rejects.toThrow(
      `provenance is append-only: ${op} is not allowed`,
    );
    expect(await count()).toBe(before);
    const [first] = await h.database.sql`select reason from provenance order by id limit 1`;
    expect(first?.reason).not.toBe('edited');
  });

  it('still takes new rows', async () => {
    const before = await count();
    await h.ok(['run']);
    expect(await count()).toBeGreaterThan(before);
  });

  it('rows carry every field of the contract', async () => {
    const [row] = await h.log();
    expect(Object.keys(row ?? {}).sort()).toEqual(
      [
        'id',
        'run_id',
        'object',
        'record_id',
        'field',
        'action',
        'reason',
        'previous_value',
        'new_value',
        'rep_value',
        'source_note_id',
        'quote',
        'model',
        'confidence',
        'actor',
        'dry_run',
        'created_at',
        'proposal_id',
      ].sort(),
    );
  });
});
