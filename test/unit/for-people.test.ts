import { describe, expect, it } from 'vitest';
import {
  confidenceText,
  currencyOf,
  dealCurrency,
  fieldLabel,
  fieldValueText,
  fromNote,
  keyAsWords,
  moneyText,
  noteKind,
  type ValueContext,
  type ValueSources,
  valueText,
} from '../../src/domain/for-people.js';
import type { PropertyValue } from '../../src/domain/values.js';

describe('noteKind and fromNote: a note by its kind in words', () => {
  it.each([
    ['email_reply', 'an email reply'],
    ['email', 'an email'],
    ['call', 'a call'],
    ['meeting', 'a meeting'],
    ['note', 'a note'],
    [null, 'a note'],
    [undefined, 'a note'],
    ['', 'a note'],
    ['IN_PERSON_VISIT', 'an in person visit'],
    ['site_tour', 'a site tour'],
  ])('%s → %s', (type, words) => {
    expect(noteKind(type)).toBe(words);
  });

  it.each([
    ['email_reply', new Date('2026-11-19T23:59:00Z'), 'from an email reply of 2026-11-19'],
    ['call', null, 'from a call'],
    [null, new Date('2026-01-02T00:00:00Z'), 'from a note of 2026-01-02'],
  ])('fromNote(%s, %s) → %s', (type, date, words) => {
    expect(fromNote(type, date)).toBe(words);
  });
});

describe('keyAsWords and fieldLabel: a field by its label', () => {
  it.each([
    ['closed_won', 'Closed won'],
    ['closedate', 'Closedate'],
    ['economic_buyer', 'Economic buyer'],
    ['NextStep', 'Next step'],
    ['hs__deal__type', 'Hs deal type'],
    ['___', '___'],
  ])('keyAsWords(%s) → %s', (key, words) => {
    expect(keyAsWords(key)).toBe(words);
  });

  it.each([
    [
      'the policy’s label first',
      'closedate',
      'Expected close',
      { label: 'Close Date' },
      'Expected close',
    ],
    ['else the CRM’s', 'closedate', undefined, { label: 'Close Date' }, 'Close Date'],
    [
      'a CRM label that is only the key: as words',
      'next_step',
      undefined,
      { label: 'next_step' },
      'Next step',
    ],
    ['no label anywhere: as words', 'economic_buyer', undefined, null, 'Economic buyer'],
  ])('%s', (_, name, policyLabel, def, label) => {
    expect(fieldLabel(name, policyLabel, def)).toBe(label);
  });
});

describe('currencyOf: the deal’s own currency, else the CRM’s', () => {
  it.each([
    [{ deal_currency_code: 'EUR' }, 'USD', { currency: 'EUR' }],
    [{}, 'USD', { currency: 'USD' }],
    [{}, undefined, {}],
  ] as const)('%j with the CRM in %s', (properties, crm, expected) => {
    expect(currencyOf({ properties }, crm)).toEqual(expected);
  });
  it('uses the CRM’s when there is no deal', () => {
    expect(currencyOf(null, 'GBP')).toEqual({ currency: 'GBP' });
  });
});

describe('dealCurrency and moneyText: amounts in the deal’s currency', () => {
  it.each([
    ['HubSpot’s deal currency', { deal_currency_code: 'EUR' }, 'USD', 'EUR'],
    ['Salesforce multi-currency', { CurrencyIsoCode: 'GBP' }, undefined, 'GBP'],
    ['none on the deal: the CRM’s', {}, 'USD', 'USD'],
    ['not a currency code: the CRM’s', { deal_currency_code: 'euro' }, 'USD', 'USD'],
    ['nothing known', {}, undefined, undefined],
  ])('%s', (_, properties: Record<string, PropertyValue>, crm, currency) => {
    expect(dealCurrency(properties, crm)).toBe(currency);
  });

  it.each([
    [86000, 'USD', '$86,000'],
    [86000, 'EUR', '€86,000'],
    [1234.5, 'USD', '$1,234.50'],
    [86000, undefined, '86,000'],
    [1234.567, undefined, '1,234.57'],
    [86000, 'ZZZ', 'ZZZ 86,000'],
  ])('moneyText(%s, %s) → %s', (value, currency, text) => {
    // Intl puts an unknown code first with a no-break space; people read it the same.
    expect(moneyText(value, currency).replace(/\u00a0/g, ' ')).toBe(text);
  });
});

describe('valueText: a value as people read it', () => {
  const users = new Map([['u_raj', 'Raj Patel']]);
  const cases: Array<[string, Exclude<PropertyValue, null>, ValueContext, string]> = [
    [
      'a user id by name (a map)',
      'u_raj',
      { field: 'owner', def: { type: 'user' }, users },
      'Raj Patel',
    ],
    [
      'a user id by name (a record)',
      'u_raj',
      { field: 'owner', def: { type: 'user' }, users: { u_raj: 'Raj Patel' } },
      'Raj Patel',
    ],
    [
      'an unknown user as it is',
      'u_zed',
      { field: 'owner', def: { type: 'user' }, users },
      'u_zed',
    ],
    [
      'an option by its label',
      '1234567',
      { field: 'dealstage', def: { type: 'enum', optionLabels: { 1234567: 'Proposal' } } },
      'Proposal',
    ],
    [
      'an unlabelled option as words',
      'closed_won',
      { field: 'dealstage', def: { type: 'enum' } },
      'Closed won',
    ],
    ['an amount in its currency', 86000, { field: 'amount', currency: 'EUR' }, '€86,000'],
    ['an amount sent as text', '86000', { field: 'amount', currency: 'USD' }, '$86,000'],
    ['an amount of unknown currency', 86000, { field: 'amount' }, '86,000'],
    ['a money field by its name', 12000, { field: 'annual_arr', currency: 'USD' }, '$12,000'],
    ['a number that is not money', 120, { field: 'seats', currency: 'USD' }, '120'],
    ['text that is not a number in a money field', 'about 80k', { field: 'amount' }, 'about 80k'],
    ['a date as it is', '2027-02-15', { field: 'closedate', def: { type: 'date' } }, '2027-02-15'],
  ];
  it.each(cases)('%s', (_, value, ctx, text) => {
    expect(valueText(value, ctx)).toBe(text);
  });
});

describe('fieldValueText: by the CRM’s definition of the field', () => {
  const sources: ValueSources = {
    defs: new Map([
      ['champion', { type: 'user' as const }],
      [
        'dealstage',
        { type: 'enum' as const, optionLabels: { appointmentscheduled: 'Appointment scheduled' } },
      ],
    ]),
    users: new Map([['u_raj', 'Raj Patel']]),
    currency: 'EUR',
  };

  it.each([
    ['champion', 'u_raj', undefined, 'Raj Patel'],
    ['dealstage', 'appointmentscheduled', undefined, 'Appointment scheduled'],
    ['amount', 86000, undefined, '€86,000'],
    // A field the CRM does not describe takes the type given.
    ['pipeline_stage', 'closed_won', 'enum' as const, 'Closed won'],
    ['pipeline_stage', 'closed_won', undefined, 'closed_won'],
  ])('%s = %s → %s', (field, value, type, text) => {
    expect(fieldValueText(field, value, sources, type)).toBe(text);
  });
});

describe('confidenceText: a word, the number and a bar', () => {
  it.each([
    [0.92, 'high · 0.92 ▰▰▰▰▰'],
    [0.86, 'high · 0.86 ▰▰▰▰▱'],
    [0.8, 'medium · 0.80 ▰▰▰▰▱'],
    [0.65, 'medium · 0.65 ▰▰▰▱▱'],
    [0.5, 'low · 0.50 ▰▰▰▱▱'],
    [0, 'low · 0.00 ▱▱▱▱▱'],
  ])('%s → %s', (confidence, text) => {
    expect(confidenceText(confidence)).toBe(text);
  });
});
