import { mkdtempSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, EXAMPLE_SEED, type ScoutHarness } from '../support/scout-env.js';

const dir = mkdtempSync(join(tmpdir(), 'scout-bad-input-'));
function file(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** A seed of one deal with one note whose body is the given JSON string contents. */
function note(body: string): string {
  return `{ "deals": [ { "id": "d1", "name": "A", "notes": [ { "id": "n1", "type": "call", "created_at": "2026-01-01T00:00:00Z", "body": "${body}" } ] } ] }`;
}

async function rowCounts(h: ScoutHarness) {
  const [r] = await h.database.sql`select
    (select count(*)::int from crm_deals) as deals, (select count(*)::int from crm_notes) as notes,
    (select count(*)::int from crm_users) as users, (select count(*)::int from crm_property_defs) as defs,
    (select count(*)::int from runs) as runs, (select count(*)::int from provenance) as provenance,
    (select count(*)::int from proposals) as proposals`;
  return r;
}

describe('bad seed files: exit 2, the place named, nothing loaded', () => {
  let h: ScoutHarness;
  beforeEach(async () => {
    h = await createHarness({ setupFields: false });
  });
  afterEach(async () => {
    await h.database.destroy();
  });

  it.each([
    [
      'JSON syntax',
      '{\n  "users": [\n    { "id": "u1", }\n  ]\n}\n',
      /bad\.json:3:\d+: not valid JSON/,
    ],
    [
      'unknown key',
      '{ "deals": [ { "id": "d1", "name": "A", "stage": "x" } ] }',
      /bad\.json:1:\d+: deals\[0\]\.stage: unknown key/,
    ],
    [
      'bad note type',
      '{ "deals": [ { "id": "d1", "name": "A", "notes": [ { "id": "n1", "type": "sms", "created_at": "2026-01-01T00:00:00Z", "body": "x" } ] } ] }',
      /deals\[0\]\.notes\[0\]\.type/,
    ],
    [
      'bad note date',
      '{ "deals": [ { "id": "d1", "name": "A", "notes": [ { "id": "n1", "type": "call", "created_at": "yesterday", "body": "x" } ] } ] }',
      /deals\[0\]\.notes\[0\]\.created_at/,
    ],
    [
      'unknown owner',
      '{ "deals": [ { "id": "d1", "name": "A", "owner_id": "ghost" } ] }',
      /deals\[0\]\.owner_id: owner ghost is not a user/,
    ],
    [
      'undeclared property',
      '{ "deals": [ { "id": "d1", "name": "A", "properties": { "budget": 5 } } ] }',
      /deals\[0\]\.properties\.budget: property budget is not defined/,
    ],
    [
      'value of the wrong type',
      '{ "deals": [ { "id": "d1", "name": "A", "properties": { "amount": "lots" } } ] }',
      /amount is a number property/,
    ],
    [
      'enum without options',
      '{ "properties": [ { "name": "tier", "label": "Tier", "type": "enum" } ] }',
      /properties\[0\]\.options: an enum property needs options/,
    ],
    [
      'duplicate deal ids in one file',
      '{ "deals": [ { "id": "d1", "name": "A" }, { "id": "d1", "name": "B" } ] }',
      /deals\[1\]\.id: deal id d1 already exists/,
    ],
    [
      'a valid deal after an invalid one',
      '{ "deals": [ { "id": "d1", "name": "A" }, { "id": "d2", "name": "B", "owner_id": "ghost" } ] }',
      /owner ghost/,
    ],
    // docs/guarantees.md#g22: hostile files. None may echo the note text (NOTE_TEXT below).
    [
      'a duplicate key (JSON.parse would keep the last)',
      '{ "deals": [ { "id": "d1", "name": "A", "properties": { "amount": 1, "amount": 2 } } ] }',
      /bad\.json: deals\[0\]\.properties\.amount: duplicate key/,
    ],
    [
      'invalid UTF-8 (a stray 0xFF)',
      Buffer.concat([
        Buffer.from('{ "deals": [ { "id": "d1", "name": "'),
        Buffer.from([0xff]),
        Buffer.from('" } ] }'),
      ]),
      /not valid UTF-8 at byte offset 36/,
    ],
    [
      'an encoded UTF-16 surrogate (0xED 0xA0 0x80)',
      Buffer.concat([
        Buffer.from('{ "deals": [ { "id": "d1", "name": "A'),
        Buffer.from([0xed, 0xa0, 0x80]),
        Buffer.from('" } ] }'),
      ]),
      /not valid UTF-8 at byte offset 37/,
    ],
    [
      'a lone surrogate escape in a note',
      note('secret NOTE_TEXT \\ud800 more'),
      /deals\[0\]\.notes\[0\]\.body: deal d1, note n1: contains a lone surrogate U\+D800 at character 17/,
    ],
    [
      'a NUL in a note',
      note('secret NOTE_TEXT \\u0000 more'),
      /deal d1, note n1: contains the control character U\+0000 at character 17/,
    ],
    [
      'an escape character in a deal name',
      '{ "deals": [ { "id": "d1", "name": "NOTE_TEXT \\u001b[31m" } ] }',
      /deals\[0\]\.name: deal d1's name: contains the control character U\+001B/,
    ],
  ])('%s', async (_name, text, message) => {
    const r = await h.cli(['crm', 'seed', file('bad.json', text)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('bad.json');
    expect(r.stderr).not.toContain('NOTE_TEXT');
    expect(await rowCounts(h)).toMatchObject({ deals: 0, notes: 0, users: 0, defs: 0 });
  });

  it('a file over the size limit is refused before it is read (a 100 MB seed)', async () => {
    const path = file('huge.json', '');
    truncateSync(path, 100 * 1024 * 1024);
    const r = await h.cli(['crm', 'seed', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('huge.json is 100 MB; the limit is 32 MB');
    expect(await rowCounts(h)).toMatchObject({ deals: 0, notes: 0, users: 0, defs: 0 });
  });

  it('a seed that reuses existing ids adds nothing', async () => {
    await h.ok(['crm', 'seed', EXAMPLE_SEED]);
    const before = await rowCounts(h);
    const r = await h.cli([
      'crm',
      'seed',
      file(
        'again.json',
        '{ "deals": [ { "id": "d9", "name": "New" }, { "id": "d1", "name": "Dup" } ] }',
      ),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('deals[1].id: deal id d1 already exists');
    expect(await rowCounts(h)).toEqual(before);
  });

  it('a missing file is named', async () => {
    const r = await h.cli(['crm', 'seed', '/nonexistent/seed.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Cannot read seed file /nonexistent/seed.json');
  });
});

describe('bad policy, replay and settings: exit 2 before anything is written', () => {
  let h: ScoutHarness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.database.destroy();
  });

  const expectNothingWritten = async (before: Awaited<ReturnType<typeof rowCounts>>) => {
    expect(await rowCounts(h)).toEqual(before);
  };

  it('a malformed policy', async () => {
    const before = await rowCounts(h);
    const policy = file(
      'policy.yml',
      'version: 1\nobjects:\n  deal:\n    fields:\n      dealstage: { write: auto }\n',
    );
    const r = await h.cli(['run', '--apply'], { SCOUT_POLICY: policy, LIVE_WRITES: '1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${policy}:5:`);
    expect(r.stderr).toContain('dealstage can never be auto');
    await expectNothingWritten(before);
    const check = await h.cli(['policy', 'check', policy]);
    expect(check.code).toBe(2);
  });

  it.each([
    ['not JSON', '{ "d1": [ { "field": "x" ', /replay\.json.*not valid JSON/],
    ['not an object', '[1, 2]', /expected an object mapping deal id to an array of findings/],
    ['findings not an array', '{ "d1": [], "d2": { "field": "x" } }', /replay\.json:1:\d+: d2: /],
  ])('a malformed replay file: %s', async (_name, text, message) => {
    const before = await rowCounts(h);
    const r = await h.cli(['run', '--apply'], {
      SCOUT_REPLAY_FILE: file('replay.json', text),
      LIVE_WRITES: '1',
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    await expectNothingWritten(before);
  });

  it('malformed findings inside a valid replay file are dropped one by one; siblings still count', async () => {
    const replay = file(
      'mixed.json',
      JSON.stringify({
        d1: [
          'economic_buyer: Dana',
          {
            field: 'economic_buyer',
            value: 'Dana Whitfield (CFO)',
            note_id: 'n1',
            quote: 'Dana Whitfield, the CFO',
            confidence: 2,
          },
          {
            field: 'identified_pain',
            value: 'Manual reconciliation',
            note_id: 'n1',
            quote: 'reconciling contracts by hand',
            confidence: 0.8,
          },
        ],
      }),
    );
    const out = JSON.parse(
      (await h.cli(['run', '--json', '--deal', 'd1'], { SCOUT_REPLAY_FILE: replay })).stdout,
    );
    expect(out.counts).toMatchObject({ dropped: 2, would_write: 1 });
  });

  it('a model answer with a NUL or an escape is dropped, naming deal and key, never its text; the run completes', async () => {
    const secret = 'Contract-Text-Never-Echoed';
    const replay = file(
      'controls.json',
      JSON.stringify({
        d1: [
          {
            field: 'economic_buyer',
            value: 'Dana Whitfield (CFO)',
            note_id: 'n1',
            quote: `${secret}\u0000 Dana Whitfield, the CFO`,
            confidence: 0.9,
          },
          {
            field: 'next_step',
            value: `${secret}\u001b[2J`,
            note_id: 'n1',
            quote: 'budget sign-off sits with Dana Whitfield',
            confidence: 0.9,
          },
          {
            field: 'identified_pain',
            value: 'Manual reconciliation',
            note_id: 'n1',
            quote: 'reconciling contracts by hand',
            confidence: 0.8,
          },
        ],
      }),
    );
    const r = await h.cli(['run', '--json', '--deal', 'd1'], { SCOUT_REPLAY_FILE: replay });
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout) as { run_id: string; counts: Record<string, number> };
    expect(summary.counts).toMatchObject({ dropped: 2, would_write: 1 });
    const dropped = await h.database
      .sql`select record_id, field, reason, quote, new_value from provenance where action = 'dropped' and run_id = ${summary.run_id} order by field`;
    expect(dropped).toEqual([
      {
        record_id: 'd1',
        field: 'economic_buyer',
        reason: expect.stringContaining(
          'quote: contains the control character U+0000 at character 26',
        ),
        quote: null,
        new_value: null,
      },
      {
        record_id: 'd1',
        field: 'next_step',
        reason: expect.stringContaining('value: contains the control character U+001B'),
        quote: 'budget sign-off sits with Dana Whitfield',
        new_value: null,
      },
    ]);
    const everything = JSON.stringify(
      await h.database.sql`select * from provenance where run_id = ${summary.run_id}`,
    );
    expect(everything + r.stdout + r.stderr).not.toContain(secret);
  });

  it('invalid settings are listed together', async () => {
    const r = await h.cli(['run'], { DATABASE_URL: 'mysql://nope', PORT: 'x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Invalid configuration:\n {2}DATABASE_URL: .*\n {2}PORT: /);
  });

  it('a missing database URL is explained', async () => {
    const r = await h.cli(['log'], { DATABASE_URL: undefined });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('DATABASE_URL is not set');
  });

  it('bad usage exits 2', async () => {
    expect((await h.cli(['run', '--limit', '0'])).code).toBe(2);
    expect((await h.cli(['run', '--limit', 'ten'])).code).toBe(2);
    expect((await h.cli(['frobnicate'])).code).toBe(2);
    expect((await h.cli(['run', '--help'])).code).toBe(0);
  });

  it('an unreachable database is a runtime failure (exit 1) with the password hidden', async () => {
    const r = await h.cli(['log'], { DATABASE_URL: 'postgres://scout:hunter2@127.0.0.1:1/scout' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('Cannot prepare the database');
    expect(r.stderr).not.toContain('hunter2');
  });
});
