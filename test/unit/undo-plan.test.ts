import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decideStep,
  type Restore,
  type RestoreResult,
  type UndoChange,
  undoDeal,
  undoStacks,
} from '../../src/domain/undo-plan.js';
import type { PropertyValue } from '../../src/domain/values.js';

/** A CRM of one deal: compare-then-write per restore, in order, and a count of what was sent. */
function simulatedCrm(initial: Record<string, PropertyValue>) {
  const props: Record<string, PropertyValue> = { ...initial };
  let sent = 0;
  return {
    props,
    sent: () => sent,
    restore: async (restores: readonly Restore[]): Promise<RestoreResult[]> =>
      restores.map((r) => {
        sent += 1;
        const now = props[r.property] ?? null;
        if (now !== r.expected) return { status: 'conflict', current: now };
        props[r.property] = r.value;
        return { status: 'written' };
      }),
  };
}

const FIELDS = ['a', 'b', 'c'] as const;
type Event = { kind: 'scout' | 'rep'; field: (typeof FIELDS)[number]; value: string };
const events = fc.array(
  fc.record({
    kind: fc.constantFrom<'scout' | 'rep'>('scout', 'rep'),
    field: fc.constantFrom(...FIELDS),
    value: fc.string({ minLength: 1, maxLength: 3 }).map((s) => `v${s}`),
  }),
  { maxLength: 25 },
);
const initialState = fc.record({
  a: fc.constantFrom<PropertyValue>(null, 'start-a'),
  b: fc.constantFrom<PropertyValue>(null, 'start-b'),
  c: fc.constantFrom<PropertyValue>(null, 'start-c'),
});

/** Plays Scout's writes (recording the value each replaced) and reps' edits onto a deal. */
function play(initial: Record<string, PropertyValue>, history: readonly Event[]) {
  const props: Record<string, PropertyValue> = { ...initial };
  const changes: UndoChange[] = [];
  history.forEach((e, i) => {
    const before = props[e.field] ?? null;
    if (e.kind === 'scout') {
      if (before === e.value) return; // Scout writes only what differs
      changes.push({ id: i + 1, field: e.field, previousValue: before, newValue: e.value });
    }
    props[e.field] = e.value;
  });
  return { props, changes };
}

const undoAll = (props: Record<string, PropertyValue>, changes: UndoChange[], live = true) => {
  const crm = simulatedCrm(props);
  return undoDeal({
    changes,
    current: crm.props,
    typeOf: () => 'text',
    live,
    restore: crm.restore,
  }).then((outcomes) => ({ outcomes, crm }));
};

describe('undo plan (G15)', () => {
  it.each([
    ['still what Scout wrote', 'x', 'restore'],
    ['back at the earlier value', 'old', 'already_restored'],
    ['changed by someone', 'rep', 'conflict'],
    ['cleared by someone', null, 'conflict'],
  ] as const)('a field %s → %s', (_name, current, expected) => {
    expect(
      decideStep('text', current, { id: 1, field: 'f', previousValue: 'old', newValue: 'x' }),
    ).toBe(expected);
  });

  it('walks each field newest change first', () => {
    const stacks = undoStacks([
      { id: 1, field: 'f', previousValue: null, newValue: 'a' },
      { id: 5, field: 'g', previousValue: null, newValue: 'z' },
      { id: 3, field: 'f', previousValue: 'a', newValue: 'b' },
    ]);
    expect(stacks.get('f')?.map((c) => c.id)).toEqual([3, 1]);
    expect(stacks.get('g')?.map((c) => c.id)).toEqual([5]);
  });

  it('with no one else touching the deal, a live undo brings back exactly the state before Scout', async () => {
    await fc.assert(
      fc.asyncProperty(initialState, events, async (initial, history) => {
        const scoutOnly = history.filter((e) => e.kind === 'scout');
        const { props, changes } = play(initial, scoutOnly);
        const { outcomes, crm } = await undoAll(props, changes);
        expect(crm.props).toEqual(initial);
        expect(outcomes.every((o) => o.action === 'undone')).toBe(true);
        expect(outcomes).toHaveLength(changes.length);
      }),
    );
  });

  it('a dry undo sends nothing and would undo every change', async () => {
    await fc.assert(
      fc.asyncProperty(initialState, events, async (initial, history) => {
        const { props, changes } = play(
          initial,
          history.filter((e) => e.kind === 'scout'),
        );
        const { outcomes, crm } = await undoAll(props, changes, false);
        expect(crm.sent()).toBe(0);
        expect(crm.props).toEqual(props);
        expect(outcomes.every((o) => o.action === 'would_undo')).toBe(true);
      }),
    );
  });

  it("never overwrites a rep's edit made after Scout's last write to that field", async () => {
    await fc.assert(
      fc.asyncProperty(initialState, events, async (initial, history) => {
        const { props, changes } = play(initial, history);
        const { crm, outcomes } = await undoAll(props, changes);
        for (const field of FIELDS) {
          const last = history.filter((e) => e.field === field).at(-1);
          // A rep's value Scout never wrote nor replaced cannot be mistaken for Scout's.
          const scoutValues = changes
            .filter((c) => c.field === field)
            .flatMap((c) => [c.newValue, c.previousValue]);
          if (last?.kind === 'rep' && !scoutValues.includes(last.value))
            expect(crm.props[field]).toBe(last.value);
        }
        // Every change is accounted for exactly once.
        expect(outcomes.map((o) => o.change.id).sort((x, y) => x - y)).toEqual(
          changes.map((c) => c.id),
        );
      }),
    );
  });

  it('undoing again what was undone sends nothing: the changes are filtered out as already undone', async () => {
    await fc.assert(
      fc.asyncProperty(initialState, events, async (initial, history) => {
        const { props, changes } = play(initial, history);
        const first = await undoAll(props, changes);
        const done = new Set(
          first.outcomes.filter((o) => o.action === 'undone').map((o) => o.change.id),
        );
        const second = await undoAll(
          first.crm.props,
          changes.filter((c) => !done.has(c.id)),
        );
        expect(second.crm.props).toEqual(first.crm.props);
        expect(
          second.outcomes.some((o) => o.action === 'undone' && o.found !== o.change.previousValue),
        ).toBe(false);
      }),
    );
  });

  it('a failed restore leaves the earlier changes to that field alone', async () => {
    const outcomes = await undoDeal({
      changes: [
        { id: 1, field: 'f', previousValue: null, newValue: 'a' },
        { id: 2, field: 'f', previousValue: 'a', newValue: 'b' },
      ],
      current: { f: 'b' },
      typeOf: () => 'text',
      live: true,
      restore: async (rs) => rs.map(() => ({ status: 'failed', reason: 'CRM down' })),
    });
    expect(outcomes.map((o) => [o.change.id, o.action])).toEqual([
      [2, 'failed'],
      [1, 'conflict'],
    ]);
    expect(outcomes[1]?.reason).toContain('the later change #2 to f was not undone');
  });
});
