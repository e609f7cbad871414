import { describe, expect, it } from 'vitest';
import { scoutName } from '../../src/crm/salesforce/field-types.js';
import { isProtectedField } from '../../src/domain/policy.js';

/** docs/guarantees.md#g1's Salesforce names, as Scout names them (the API name lower-cased, `__c` dropped). */
const G1_SALESFORCE = [
  'StageName',
  'Amount',
  'CloseDate',
  'OwnerId',
  'ForecastCategoryName',
  'Probability',
  'IsClosed',
  'IsWon',
  'Name',
];

describe('protected fields on Salesforce', () => {
  it('never lets G1’s Salesforce fields be auto, under the names Scout reads them by', () => {
    for (const api of G1_SALESFORCE) expect(isProtectedField(scoutName(api)), api).toBe(true);
  });

  it('does not catch ordinary fields that merely contain one of those words', () => {
    for (const name of ['champion_name', 'economic_buyer', 'next_step', 'competition'])
      expect(isProtectedField(name), name).toBe(false);
  });
});
