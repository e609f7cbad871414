import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { openHubSpotCrm } from '../../src/crm/hubspot/open-hubspot-crm.js';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { seedLocalCrm } from '../../src/crm/local-crm-admin.js';
import { openSalesforceCrm } from '../../src/crm/salesforce/open-salesforce-crm.js';
import type { SeedFile } from '../../src/crm/seed-file.js';
import type { CrmPort } from '../../src/services/ports/crm.js';
import { startHubSpotStandIn } from '../support/hubspot-stand-in.js';
import { apiNameOf, startSalesforceStandIn } from '../support/salesforce-stand-in.js';
import { createTestDatabase } from '../support/test-database.js';

/** One CRM adapter under test, loaded with a seed, plus a way to play "someone else edits the deal". */
export interface AdapterUnderTest {
  readonly crm: CrmPort;
  /** A person changing a property in the CRM behind Scout's back (as the CRM stores it). */
  editElsewhere(dealId: string, property: string, value: string | number): Promise<void>;
  close(): Promise<void>;
}

export interface AdapterFactory {
  readonly name: string;
  open(seed: SeedFile): Promise<AdapterUnderTest>;
}

export const localAdapter: AdapterFactory = {
  name: 'local',
  async open(seed) {
    const database = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'scout-conformance-'));
    writeFileSync(join(dir, 'seed.json'), JSON.stringify(seed));
    await seedLocalCrm(database.db, join(dir, 'seed.json'));
    return {
      crm: createLocalCrm(database.db),
      async editElsewhere(dealId, property, value) {
        await database.db.execute(
          sql`update crm_deals set properties = properties || jsonb_build_object(${property}::text, ${JSON.stringify(value)}::jsonb) where id = ${dealId}`,
        );
      },
      close: () => database.destroy(),
    };
  },
};

export const hubspotAdapter: AdapterFactory = {
  name: 'hubspot',
  async open(seed) {
    const standIn = await startHubSpotStandIn();
    standIn.load(seed);
    const { crm, close } = openHubSpotCrm({
      token: standIn.token,
      baseUrl: standIn.url,
      budget: { requests: 10_000, windowMs: 10_000 },
      searchBudget: { requests: 1000, windowMs: 1000 },
      keyPrefix: 'conformance',
    });
    return {
      crm,
      async editElsewhere(dealId, property, value) {
        standIn.setDealProperty(dealId, property, String(value));
      },
      async close() {
        await close();
        await standIn.close();
      },
    };
  },
};

export const salesforceAdapter: AdapterFactory = {
  name: 'salesforce',
  async open(seed) {
    const standIn = await startSalesforceStandIn();
    standIn.load(seed);
    const { crm, close } = openSalesforceCrm({
      SALESFORCE_LOGIN_URL: standIn.url,
      SALESFORCE_INSTANCE_URL: standIn.url,
      SALESFORCE_ACCESS_TOKEN: standIn.accessToken,
      SALESFORCE_CLIENT_ID: undefined,
      SALESFORCE_USERNAME: undefined,
      SALESFORCE_PRIVATE_KEY_FILE: undefined,
      SALESFORCE_API_RESERVE: 0,
    });
    return {
      crm,
      async editElsewhere(dealId, property, value) {
        standIn.setField(dealId, apiNameOf(property), value);
      },
      async close() {
        await close();
        await standIn.close();
      },
    };
  },
};

/** Every adapter the conformance suite runs against. */
export const ADAPTERS: readonly AdapterFactory[] = [
  localAdapter,
  hubspotAdapter,
  salesforceAdapter,
];
