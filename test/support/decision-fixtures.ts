import type { DealNote, DecisionContext } from '../../src/domain/decide.js';
import { type Policy, policySchema, resolvePolicy } from '../../src/domain/policy.js';
import type { PropertyDef, PropertyValue } from '../../src/domain/values.js';

export const NOW = new Date('2026-11-23T12:00:00Z');

export const DEFS: PropertyDef[] = [
  { name: 'economic_buyer', label: 'Economic buyer', type: 'text' },
  { name: 'scout_economic_buyer', label: 'Scout: Economic buyer', type: 'text' },
  { name: 'next_step', label: 'Next step', type: 'text' },
  { name: 'closedate', label: 'Close date', type: 'date' },
  {
    name: 'dealstage',
    label: 'Stage',
    type: 'enum',
    options: ['discovery', 'proposal', 'closed_won'],
  },
  {
    name: 'forecast',
    label: 'Forecast',
    type: 'enum',
    options: ['commit', 'best_case', 'pipeline'],
  },
  { name: 'seats', label: 'Seats', type: 'number' },
  { name: 'champion', label: 'Champion', type: 'user' },
  { name: 'amount', label: 'Amount', type: 'number' },
];

export const POLICY: Policy = resolvePolicy(
  policySchema.parse({
    version: 1,
    objects: {
      deal: {
        fields: {
          economic_buyer: { write: 'suggest' },
          next_step: { write: 'auto', max_length: 300 },
          closedate: {
            write: 'approve',
            evidence: ['meeting', 'email_reply'],
            on_filled: 'propose',
            thresholds: { propose: 0.7 },
          },
          forecast: { write: 'approve' },
          seats: { write: 'auto' },
          champion: { write: 'suggest' },
          dealstage: { write: 'never' },
          amount: { write: 'never' },
        },
      },
    },
  }),
);

export const NOTES: DealNote[] = [
  {
    id: 'n1',
    type: 'call',
    createdAt: new Date('2026-11-20T10:00:00Z'),
    body: 'Dana Whitfield, the CFO, signs off. We need 40 seats. Champion is Ana.',
  },
  {
    id: 'n2',
    type: 'meeting',
    createdAt: new Date('2026-11-21T10:00:00Z'),
    body: 'Signed by January 31. Forecast looks like commit. Next: send the MSA.',
  },
];

export function context(
  overrides: Partial<DecisionContext> & { props?: Record<string, PropertyValue> } = {},
): DecisionContext {
  return {
    fieldPolicies: POLICY.dealFields,
    propertyDefs: new Map(DEFS.map((d) => [d.name, d])),
    dealProperties: overrides.props ?? {},
    notes: new Map(NOTES.map((n) => [n.id, n])),
    userIds: new Set(['u1', 'u2']),
    now: NOW,
    alreadyApplied: () => false,
    alreadyProposed: () => false,
    ...overrides,
  };
}
