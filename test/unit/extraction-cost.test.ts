import { describe, expect, it } from 'vitest';
import type { FieldPolicy } from '../../src/domain/policy.js';
import { emptyUsage, type ModelUsage } from '../../src/domain/run-summary.js';
import type { PropertyDef } from '../../src/domain/values.js';
import { cacheMissOf } from '../../src/extraction/anthropic-extractor.js';
import { watchPromptCache } from '../../src/extraction/cache-watch.js';
import { budgetNotes } from '../../src/extraction/note-budget.js';
import { MAX_USER_CANDIDATES, userCandidates } from '../../src/extraction/user-candidates.js';
import { extractionRequest } from '../../src/services/deal-plan.js';
import type { CrmNote } from '../../src/services/ports/crm.js';

const note = (id: string, body: string): CrmNote => ({
  id,
  dealId: 'd1',
  type: 'call',
  createdAt: new Date('2026-11-20T15:00:00Z'),
  body,
});

describe('per-deal note cap (newest first)', () => {
  it('shows every note when they fit, oldest first, and counts nothing', () => {
    const b = budgetNotes([note('n1', 'aaaa'), note('n2', 'bbbb')], 8);
    expect(b.notes.map((n) => n.id)).toEqual(['n1', 'n2']);
    expect(b.leftOut).toEqual({ notes: 0, chars: 0 });
  });

  it('keeps the newest notes that fit and leaves out every older one, counted', () => {
    const notes = [note('n1', 'a'.repeat(5)), note('n2', 'b'.repeat(2)), note('n3', 'c'.repeat(6))];
    const b = budgetNotes(notes, 8);
    expect(b.notes.map((n) => n.id)).toEqual(['n2', 'n3']);
    expect(b.leftOut).toEqual({ notes: 1, chars: 5 });
    // Going back in time, the first note that does not fit ends the deal's notes.
    const gap = budgetNotes(
      [note('n1', 'a'), note('n2', 'b'.repeat(5)), note('n3', 'c'.repeat(6))],
      8,
    );
    expect(gap.notes.map((n) => n.id)).toEqual(['n3']);
    expect(gap.leftOut).toEqual({ notes: 2, chars: 6 });
  });

  it('cuts a newest note longer than the cap instead of sending the deal with no notes', () => {
    const b = budgetNotes([note('n1', 'old'), note('n2', 'x'.repeat(12))], 10);
    expect(b.notes).toHaveLength(1);
    expect(b.notes[0]?.body).toBe('x'.repeat(10));
    expect(b.leftOut).toEqual({ notes: 1, chars: 2 + 3 });
  });
});

describe('user candidates for a deal', () => {
  const users = [
    { id: 'u1', name: 'Ana Ruiz' },
    { id: 'u2', name: 'Ben Cole' },
    { id: 'u3', name: 'Cara Diaz' },
    { id: 'u4', name: 'Dev Patel' },
  ];

  it('lists the owner first, then users named in full in the notes, nobody else', () => {
    const c = userCandidates({
      ownerId: 'u3',
      notes: [note('n1', 'Spoke with ana ruiz and Ben. Ben Cole will join.')],
      users,
    });
    expect(c.map((u) => u.id)).toEqual(['u3', 'u1', 'u2']);
  });

  it('matches whole words only and stops at the bound', () => {
    const c = userCandidates({
      ownerId: null,
      notes: [note('n1', 'Banana Ruizes; Ben Coles. Cara Diaz, Ana Ruiz.')],
      users,
      max: 1,
    });
    expect(c.map((u) => u.id)).toEqual(['u1']);
  });
});

describe('prompt cache watch', () => {
  const usage = (u: Partial<ModelUsage>): ModelUsage => ({ ...emptyUsage(), ...u });

  it('warns once the answers after the warm-up read nothing, naming prefix and minimum', () => {
    const w = watchPromptCache('claude-sonnet-5-5', 2);
    for (let i = 0; i < 5; i++) w.observe({ usage: usage({ input_tokens: 900 }) }, 900);
    expect(w.warning()).toMatch(
      /^prompt cache not forming: prefix ≈900 tokens, model minimum 1024 \(claude-sonnet-5-5\); 3 answers after the first 2 read nothing from cache: the prefix is under the minimum/,
    );
  });

  it('says the API miss reason when diagnostics gave one (not the expected per-deal one)', () => {
    const w = watchPromptCache('claude-sonnet-5-5', 0);
    w.observe({ usage: usage({ input_tokens: 3000 }), cacheMiss: 'messages_changed' }, 3000);
    w.observe(
      {
        usage: usage({ input_tokens: 3000 }),
        cacheMiss: 'system_changed (~2900 tokens not read from cache)',
      },
      3000,
    );
    expect(w.warning()).toContain("the API's cache diagnostics say: system_changed (~2900 tokens");
  });

  it('stays quiet when the cache forms, during the warm-up, and for extractors that report no usage', () => {
    const formed = watchPromptCache('claude-sonnet-5-5', 1);
    formed.observe({ usage: usage({ cache_creation_input_tokens: 3000 }) }, 3000);
    formed.observe({ usage: usage({ cache_read_input_tokens: 3000, input_tokens: 200 }) }, 3000);
    expect(formed.warning()).toBeNull();
    const early = watchPromptCache('claude-sonnet-5-5', 4);
    early.observe({ usage: usage({ input_tokens: 900 }) }, 900);
    expect(early.warning()).toBeNull();
    const replay = watchPromptCache('replay', 0);
    replay.observe({ usage: emptyUsage() }, 3000);
    expect(replay.warning()).toBeNull();
  });

  it('reads the Messages API cache_miss_reason', () => {
    expect(cacheMissOf(null)).toBeNull();
    expect(cacheMissOf({ cache_miss_reason: null })).toBeNull();
    expect(cacheMissOf({ cache_miss_reason: { type: 'previous_message_not_found' } })).toBe(
      'previous_message_not_found',
    );
    expect(
      cacheMissOf({ cache_miss_reason: { type: 'tools_changed', cache_missed_input_tokens: 812 } }),
    ).toBe('tools_changed (~812 tokens not read from cache)');
  });
});

describe("one deal's request", () => {
  const field = (name: string): FieldPolicy => ({
    name,
    write: 'suggest',
    label: undefined,
    description: undefined,
    maxLength: undefined,
    evidence: undefined,
    onFilled: 'skip',
    thresholds: { auto: 0.9, propose: 0.5 },
  });
  const defs = new Map<string, PropertyDef>([
    ['champion_user', { name: 'champion_user', label: 'Champion', type: 'user' }],
    ['next_step', { name: 'next_step', label: 'Next step', type: 'text' }],
  ]);
  const users = Array.from({ length: 300 }, (_, i) => ({ id: `u${i}`, name: `Person Number${i}` }));
  const deal = { id: 'd1', name: 'A', ownerId: 'u250', properties: {} };
  const notes = [note('n1', 'Person Number7 will champion this. Person Number299 agrees.')];

  it("lists only the deal's candidates of a few hundred users when a user field is open", () => {
    const fields = [field('champion_user'), field('next_step')];
    const r = extractionRequest(
      deal,
      { fresh: notes, open: fields, newestNote: null },
      { defs, fields, users },
    );
    expect(r.users.map((u) => u.id)).toEqual(['u250', 'u7', 'u299']);
    expect(r.users.length).toBeLessThanOrEqual(MAX_USER_CANDIDATES);
    expect(r.glossary.map((f) => f.name)).toEqual(['champion_user', 'next_step']);
  });

  it('lists no users when no user field is open, even if the policy has one', () => {
    const fields = [field('champion_user'), field('next_step')];
    const r = extractionRequest(
      deal,
      { fresh: notes, open: [field('next_step')], newestNote: null },
      { defs, fields, users },
    );
    expect(r.users).toEqual([]);
    expect(r.fields.map((f) => f.name)).toEqual(['next_step']);
    expect(r.glossary).toHaveLength(2);
  });
});
