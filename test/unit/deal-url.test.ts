import { describe, expect, it } from 'vitest';
import { dealUrlFrom } from '../../src/app-context.js';
import type { ProposalRow } from '../../src/domain/proposal.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../src/policy-file.js';
import type { CrmReader } from '../../src/services/ports/crm.js';
import { viewProposal } from '../../src/services/proposal-view.js';
import { readOnlyCrm } from '../../src/summary/summary-ports.js';

const url = dealUrlFrom('https://app.hubspot.com/contacts/42/record/0-3/{id}');

/** A CRM reader over one deal: enough for what a card reads. */
function reader(withUrl: boolean): CrmReader {
  return {
    kind: 'hubspot',
    listPropertyDefs: async () => [],
    listUsers: async () => [],
    countDeals: async () => 1,
    pageDeals: async () => ({
      deals: [{ id: 'd 1/x', name: 'Acme', ownerId: null, properties: {} }],
      next: null,
    }),
    notesForDeals: async () => new Map(),
    ...(withUrl ? { dealUrl: url } : {}),
  };
}

const row = {
  id: 'p1',
  runId: 'r1',
  object: 'deal',
  recordId: 'd 1/x',
  field: 'competition',
  oldValue: null,
  newValue: 'Vendor X',
  editedValue: null,
  sourceNoteId: 'n1',
  quote: 'We compete with Vendor X.',
  confidence: 0.8,
  model: 'm',
  status: 'pending',
  version: 1,
  dryRun: false,
} as unknown as ProposalRow;

describe('links to the deal in the CRM (SCOUT_DEAL_URL)', () => {
  it('puts the escaped deal id where {id} stands', () => {
    expect(url('d 1/x')).toBe('https://app.hubspot.com/contacts/42/record/0-3/d%201%2Fx');
  });

  it('gives approval cards the link when the CRM knows one, and none otherwise', async () => {
    const policy = loadPolicyFile(DEFAULT_POLICY_PATH);
    expect((await viewProposal(reader(true), policy, row)).card.dealUrl).toBe(url('d 1/x'));
    expect((await viewProposal(reader(false), policy, row)).card.dealUrl).toBeNull();
  });

  it('survives narrowing the CRM to its reads for /deal-summary', () => {
    expect(readOnlyCrm(reader(true)).dealUrl?.('d 1/x')).toBe(url('d 1/x'));
    expect(readOnlyCrm(reader(false)).dealUrl?.('d 1/x')).toBeNull();
  });
});
