import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { engagementText, htmlToText, noteTypeOf } from '../../src/crm/hubspot/engagements.js';
import { explainFailure } from '../../src/crm/hubspot/hubspot-errors.js';
import { retryAfterMs } from '../../src/crm/hubspot/hubspot-http.js';
import {
  fromWire,
  toFieldType,
  toPropertyCreate,
  toPropertyDef,
  toWire,
} from '../../src/crm/hubspot/property-types.js';
import type { ErrorBody } from '../../src/crm/hubspot/wire.js';
import { FIELD_TYPES } from '../../src/domain/values.js';

describe('HubSpot property types in Scout terms', () => {
  it.each([
    [{ name: 'x', type: 'string' }, 'text'],
    [{ name: 'x', type: 'phone_number' }, 'text'],
    [{ name: 'x', type: 'number' }, 'number'],
    [{ name: 'x', type: 'date' }, 'date'],
    [{ name: 'x', type: 'datetime' }, 'date'],
    [{ name: 'x', type: 'enumeration' }, 'enum'],
    [{ name: 'x', type: 'bool' }, 'enum'],
    [{ name: 'x', type: 'enumeration', referencedObjectType: 'OWNER' }, 'user'],
    [{ name: 'hubspot_owner_id', type: 'enumeration' }, 'user'],
  ] as const)('%j is %s', (p, type) => {
    expect(toFieldType(p)).toBe(type);
  });

  it('a property Scout creates reads back as the same type', () => {
    for (const type of FIELD_TYPES) {
      const def = {
        name: 'scout_x',
        label: 'X',
        type,
        ...(type === 'enum' ? { options: ['a', 'b'] } : {}),
      };
      const created = toPropertyCreate(def, 'scout');
      expect(created.groupName).toBe('scout');
      expect(toPropertyDef({ ...created, options: created.options ?? [] })).toEqual(def);
    }
  });

  it.each([
    ['number', '48000', 48000],
    ['number', '0', 0],
    ['number', '12.5', 12.5],
    ['number', 'n/a', 'n/a'],
    ['number', '', null],
    ['date', '2027-03-31', '2027-03-31'],
    ['date', '2027-03-31T00:00:00.000Z', '2027-03-31'],
    ['text', '', null],
    ['text', null, null],
    ['enum', 'high', 'high'],
    ['user', '101', '101'],
  ] as const)('%s %j reads as %j', (type, raw, value) => {
    expect(fromWire(type, raw)).toBe(value);
  });

  it('every value goes out as a string', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.string({ minLength: 1 })),
        (v) => {
          expect(typeof toWire(v)).toBe('string');
          if (typeof v === 'number') expect(Number(toWire(v))).toBe(v === 0 ? 0 : v);
        },
      ),
    );
  });
  it('a date bound for a datetime property goes as midnight UTC and reads back as the date', () => {
    expect(toWire('2027-06-30', true)).toBe('2027-06-30T00:00:00.000Z');
    expect(fromWire('date', toWire('2027-06-30', true))).toBe('2027-06-30');
    expect(toWire('2027-06-30')).toBe('2027-06-30');
  });
});

describe('activities as notes', () => {
  it('an incoming email is a reply; titles sit above bodies', () => {
    expect(noteTypeOf('emails', { hs_email_direction: 'INCOMING_EMAIL' })).toBe('email_reply');
    expect(noteTypeOf('emails', { hs_email_direction: 'EMAIL' })).toBe('email');
    expect(noteTypeOf('calls', {})).toBe('call');
    expect(
      engagementText('calls', {
        hs_call_title: 'Discovery',
        hs_call_body: '<p>Budget is set.</p>',
      }),
    ).toBe('Discovery\n\nBudget is set.');
  });

  it.each([
    ['plain text stays exactly as it is  ', 'plain text stays exactly as it is  '],
    ['<p>One</p><p>Two &amp; three</p>', 'One\nTwo & three'],
    ['Line<br/>break &lt;b&gt; &#39;q&#39; &#x263A;', "Line\nbreak <b> 'q' ☺"],
    ['<div><strong>CFO</strong> signs</div>', 'CFO signs'],
    ['AT&T &unknown;', 'AT&T &unknown;'],
  ])('%j → %j', (html, text) => {
    expect(htmlToText(html)).toBe(text);
  });
});

describe('Retry-After', () => {
  it.each([
    ['3', 3000],
    ['0', 0],
    ['', null],
    [null, null],
    ['soon', null],
  ])('%j is %j ms', (header, ms) => {
    expect(retryAfterMs(header)).toBe(ms);
  });
});

describe('HubSpot errors in plain words', () => {
  const write = { action: 'write', dealId: '1002', field: 'scout_competition' };
  it.each<[number, ErrorBody, RegExp]>([
    [
      401,
      {},
      /rejected the access token while trying to write \(property scout_competition on deal 1002\): check HUBSPOT_ACCESS_TOKEN/,
    ],
    [
      403,
      {
        category: 'MISSING_SCOPES',
        errors: [{ context: { requiredGranularScopes: ['crm.objects.deals.write'] } }],
      },
      /missing a scope needed to write \(property scout_competition on deal 1002\): grant crm\.objects\.deals\.write/,
    ],
    [404, { category: 'OBJECT_NOT_FOUND' }, /^Deal 1002 was not found in HubSpot/],
    [
      400,
      { category: 'VALIDATION_ERROR', message: 'bad option', correlationId: 'c-1' },
      /^HubSpot refused to write \(property scout_competition on deal 1002\) \(HTTP 400 \[VALIDATION_ERROR\]\): bad option \(HubSpot correlation id c-1\)$/,
    ],
    [503, {}, /HubSpot failed \(HTTP 503\)/],
  ])('%i', (status, body, text) => {
    const e = explainFailure(status, body, write);
    expect(e.message).toMatch(text);
    expect(e.code).toBe('crm_failed');
    expect(e.fatal).toBe(status === 401 || status === 403);
  });
});
