import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../src/policy-file.js';

interface EvalDeal {
  id: string;
  tags: string[];
  notes: Array<{ id: string; type: string; body: string }>;
  expected: Record<string, string | string[]>;
}
const set = JSON.parse(readFileSync(new URL('../../eval/deals.json', import.meta.url), 'utf8')) as {
  deals: EvalDeal[];
};
// The fields the live eval asks about are the shipped policy's writable ones.
const FIELDS = [...loadPolicyFile(DEFAULT_POLICY_PATH).dealFields.values()]
  .filter((f) => f.write !== 'never')
  .map((f) => f.name);

describe('the live-eval set (eval/deals.json)', () => {
  it('has at least 30 bundles, with deals whose right answer is nothing and deals with injections', () => {
    expect(set.deals.length).toBeGreaterThanOrEqual(30);
    expect(
      set.deals.filter((d) => d.tags.includes('nothing') && Object.keys(d.expected).length === 0)
        .length,
    ).toBeGreaterThanOrEqual(5);
    expect(set.deals.filter((d) => d.tags.includes('injection')).length).toBeGreaterThanOrEqual(5);
    const ids = set.deals.flatMap((d) => d.notes.map((n) => n.id));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('labels only policy fields, with keywords found in the notes and close dates only where the policy allows them', () => {
    for (const d of set.deals) {
      const text = d.notes.map((n) => n.body.toLowerCase()).join('\n');
      for (const [field, want] of Object.entries(d.expected)) {
        expect(FIELDS, `${d.id}.${field}`).toContain(field);
        if (Array.isArray(want))
          for (const k of want) expect(text, `${d.id}.${field}: ${k}`).toContain(k.toLowerCase());
        else expect(want, `${d.id}.${field}`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      }
      if (d.expected.closedate)
        expect(
          d.notes.some((n) => n.type === 'meeting' || n.type === 'email_reply'),
          d.id,
        ).toBe(true);
    }
  });
});
