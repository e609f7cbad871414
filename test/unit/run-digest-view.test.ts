import { describe, expect, it } from 'vitest';
import { parsePolicyText } from '../../src/policy-file.js';
import type { CrmDeal, CrmReader, CrmUser } from '../../src/services/ports/crm.js';
import type { RunDigestReader } from '../../src/services/ports/run-digest.js';
import { NAMED_DEALS, viewRunDigest } from '../../src/services/run-digest-view.js';

const policy = parsePolicyText(
  `version: 1
objects:
  deal:
    fields:
      next_step: { write: auto, label: Next step }
      closedate: { write: approve, label: Close date }
      metrics: { write: suggest }
`,
  'policy.yml',
);

const users: CrmUser[] = [
  { id: 'u1', name: 'Ana Lopez', email: null, slackUserId: 'U01ANA' },
  { id: 'u2', name: 'Raj Patel', email: 'raj@example.com', slackUserId: null },
];

const deal = (id: string, ownerId: string | null): CrmDeal => ({
  id,
  name: `Deal ${id}`,
  ownerId,
  properties: {},
});

/** A CRM of `count` deals d1…dN; d2 is Raj's, the rest Ana's, and `gone` deals are missing. */
function crmOf(count: number, gone: string[] = []) {
  const reads: string[][] = [];
  const crm = {
    listUsers: async () => users,
    listPropertyDefs: async () => [{ name: 'metrics', label: 'Metrics (CRM)', type: 'text' }],
    pageDeals: async (o: { ids?: readonly string[] }) => {
      reads.push([...(o.ids ?? [])]);
      return {
        deals: (o.ids ?? [])
          .filter((id) => !gone.includes(id) && Number(id.slice(1)) <= count)
          .map((id) => deal(id, id === 'd2' ? 'u2' : id === 'd3' ? null : 'u1')),
        nextCursor: null,
      };
    },
  } as unknown as CrmReader;
  return { crm, reads };
}

function readerOf(
  changes: Array<{ recordId: string; field: string }>,
  waiting: Array<{ recordId: string; ownerSlackId: string | null; count: number }>,
) {
  const asked: string[][] = [];
  const reader: RunDigestReader = {
    changes: async (_runId, actions) => {
      asked.push([...actions]);
      return changes;
    },
    waiting: async () => waiting,
    run: async () => null,
  };
  return { reader, asked };
}

const run = { run_id: 'r1', mode: 'live' as const };

describe('the run digest names what a run did', () => {
  it('names deals and fields by label (a suggestion as such), and people by their CRM name', async () => {
    const { reader, asked } = readerOf(
      [
        { recordId: 'd1', field: 'next_step' },
        { recordId: 'd1', field: 'scout_metrics' },
        { recordId: 'd2', field: 'closedate' },
        { recordId: 'd2', field: 'closedate' },
      ],
      [
        // The card's Slack user is a CRM user: named from it.
        { recordId: 'd1', ownerSlackId: 'U01ANA', count: 2 },
        // No Slack user recorded (routed to the approvals channel): the deal's owner.
        { recordId: 'd2', ownerSlackId: null, count: 3 },
        // A Slack user the CRM does not know, on a deal with no owner: nobody to name.
        { recordId: 'd3', ownerSlackId: 'U0ELSE', count: 1 },
      ],
    );
    const { crm } = crmOf(5);
    const digest = await viewRunDigest(reader, crm, policy, run);
    expect(asked).toEqual([['written', 'applied']]);
    expect(digest).toEqual({
      deals: [
        { name: 'Deal d1', fields: ['Next step', 'Metrics (CRM) (suggestion)'] },
        { name: 'Deal d2', fields: ['Close date'] },
      ],
      dealCount: 2,
      waiting: [
        { person: 'Raj Patel', cards: 3 },
        { person: 'Ana Lopez', cards: 2 },
        { person: null, cards: 1 },
      ],
    });
  });

  it('reads the would-be changes of a dry run and the restores of an undo', async () => {
    const { reader, asked } = readerOf([], []);
    const { crm } = crmOf(0);
    await viewRunDigest(reader, crm, policy, { ...run, mode: 'dry_run' });
    const undo = {
      target: { run_id: 'r0' },
      changes: 1,
      already_undone: 0,
      expired_proposals: 0,
      unapplied_approvals: 0,
      nothing_to_undo: null,
    };
    await viewRunDigest(reader, crm, policy, { ...run, undo });
    await viewRunDigest(reader, crm, policy, { ...run, mode: 'dry_run', undo });
    expect(asked).toEqual([['would_write', 'would_apply'], ['undone'], ['would_undo']]);
  });

  it('names only the first deals, counts the rest, and reads the CRM in pages of 100', async () => {
    const changes = Array.from({ length: 250 }, (_, i) => ({
      recordId: `d${i + 1}`,
      field: 'next_step',
    }));
    const waiting = changes.map((c) => ({ recordId: c.recordId, ownerSlackId: null, count: 1 }));
    const { reader } = readerOf(changes, waiting);
    const { crm, reads } = crmOf(250, ['d1']);
    const digest = await viewRunDigest(reader, crm, policy, run);
    expect(digest.deals).toHaveLength(NAMED_DEALS);
    expect(digest.deals[0]?.name).toBe('a deal no longer in the CRM');
    expect(digest.dealCount).toBe(250);
    expect(reads.map((r) => r.length)).toEqual([100, 100, 50]);
    expect(digest.waiting).toEqual([
      { person: 'Ana Lopez', cards: 247 },
      { person: null, cards: 2 },
      { person: 'Raj Patel', cards: 1 },
    ]);
  });
});
