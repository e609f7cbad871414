import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { Database } from '../../src/db/client.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../src/policy-file.js';
import type { CrmPort } from '../../src/services/ports/crm.js';
import { composeDealSummary } from '../../src/summary/compose-deal-summary.js';

const crm: CrmPort = {
  kind: 'local',
  listPropertyDefs: async () => [],
  listUsers: async () => [],
  countDeals: async () => 0,
  pageDeals: async () => ({ deals: [], next: null }),
  notesForDeals: async () => new Map(),
  writeProperties: async () => [],
  createProperty: async () => 'created',
};
/** Never queried here: composing opens nothing and reads nothing. */
const database = { db: {} } as unknown as Database;
const policy = loadPolicyFile(DEFAULT_POLICY_PATH);

describe('composeDealSummary: Claude only with a key and the policy switch', () => {
  it.each([
    { key: false, narrative: false, narrator: false },
    { key: true, narrative: false, narrator: false },
    { key: false, narrative: true, narrator: false },
    { key: true, narrative: true, narrator: true },
  ])(
    'key $key, narrative $narrative → narrator $narrator',
    async ({ key, narrative, narrator }) => {
      const config = loadConfig({
        SCOUT_MODEL: 'claude-test-model',
        ...(key ? { ANTHROPIC_API_KEY: 'sk-ant-test' } : {}),
      });
      const composed = composeDealSummary(
        { config, crm, clock: () => new Date(), database },
        { ...policy, dealSummary: { ...policy.dealSummary, narrative } },
      );
      try {
        expect('narrator' in composed.ports).toBe(narrator);
        expect(composed.ports.narrator?.model).toBe(narrator ? 'claude-test-model' : undefined);
      } finally {
        await composed.close();
      }
    },
  );

  it('hands over the CRM narrowed to its reads, never the full port', async () => {
    const composed = composeDealSummary(
      { config: loadConfig({}), crm, clock: () => new Date(), database },
      policy,
    );
    expect(composed.ports.crm).not.toBe(crm);
    expect('writeProperties' in composed.ports.crm).toBe(false);
    expect('createProperty' in composed.ports.crm).toBe(false);
    await composed.close();
  });
});
