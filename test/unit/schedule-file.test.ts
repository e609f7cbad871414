import { describe, expect, it } from 'vitest';
import { parseSchedulesText } from '../../src/jobs/schedule-file.js';
import { runIdFor } from '../../src/services/fan-out-run.js';
import { applyJobId, dealJobId, jobId } from '../../src/services/job-ids.js';

describe('schedules file', () => {
  it('parses schedules with defaults', () => {
    const schedules = parseSchedulesText(
      [
        'version: 1',
        'schedules:',
        '  - id: nightly',
        '    cron: "0 2 * * *"',
        '    timezone: Europe/Berlin',
        '    apply: true',
        '  - { id: sample, cron: "*/30 * * * *", deals: [d1, d2], limit: 10 }',
      ].join('\n'),
      'schedules.yml',
    );
    expect(schedules).toEqual([
      { id: 'nightly', cron: '0 2 * * *', timezone: 'Europe/Berlin', apply: true },
      {
        id: 'sample',
        cron: '*/30 * * * *',
        timezone: 'UTC',
        apply: false,
        dealIds: ['d1', 'd2'],
        limit: 10,
      },
    ]);
  });

  it.each([
    [
      'a bad cron',
      'version: 1\nschedules:\n  - { id: a, cron: "61 * * * *" }',
      /schedules\.yml:3:\d+: schedules\[0\]\.cron: not a cron expression/,
    ],
    [
      'a bad time zone',
      'version: 1\nschedules:\n  - { id: a, cron: "0 2 * * *", timezone: Mars/Olympus }',
      /schedules\[0\]\.timezone: not an IANA time zone/,
    ],
    [
      'a duplicate id',
      'version: 1\nschedules:\n  - { id: a, cron: "0 2 * * *" }\n  - { id: a, cron: "0 3 * * *" }',
      /schedules\[1\]\.id: duplicate id a/,
    ],
    [
      'an unknown key',
      'version: 1\nschedules:\n  - { id: a, cron: "0 2 * * *", aply: true }',
      /schedules\[0\]\.aply: unknown key/,
    ],
    [
      'apply as a string',
      'version: 1\nschedules:\n  - { id: a, cron: "0 2 * * *", apply: "yes" }',
      /schedules\[0\]\.apply/,
    ],
    [
      'an id with a colon',
      'version: 1\nschedules:\n  - { id: "a:b", cron: "0 2 * * *" }',
      /schedules\[0\]\.id: use lowercase/,
    ],
    [
      'broken YAML',
      'version: 1\nschedules: [\n',
      /Invalid schedules file:\n {2}schedules\.yml:\d+:\d+/,
    ],
  ])('reports %s with where it is', (_, text, message) => {
    expect(() => parseSchedulesText(text, 'schedules.yml')).toThrow(message);
  });

  it('reports every problem at once', () => {
    const text =
      'version: 1\nschedules:\n  - { id: a, cron: nope }\n  - { id: B, cron: "0 2 * * *" }';
    expect(() => parseSchedulesText(text, 's.yml')).toThrow(/cron[\s\S]*schedules\[1\]\.id/);
  });
});

describe('job ids', () => {
  it('never contain a colon, whatever the CRM ids look like', () => {
    expect(dealJobId('run1', 'acct:42/x y')).toBe('deal-run1-acct%3A42%2Fx%20y');
    expect(applyJobId('p1', 3)).toBe('apply-p1-v3');
    expect(jobId('a.b', 'c*')).toBe('a%2Eb-c%2A');
  });

  it('gives a redelivered scheduled job the same run id, and other jobs other ids', () => {
    const a = runIdFor('repeat:schedule-nightly:1700000000000');
    expect(runIdFor('repeat:schedule-nightly:1700000000000')).toBe(a);
    expect(runIdFor('repeat:schedule-nightly:1700086400000')).not.toBe(a);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
