import { describe, expect, it } from 'vitest';
import { loadConfig, requireSettings } from '../../src/config.js';

describe('configuration', () => {
  it('defaults to the local CRM and keeps LIVE_WRITES raw', () => {
    const c = loadConfig({ LIVE_WRITES: 'true' });
    expect(c.SCOUT_CRM).toBe('local');
    expect(c.LIVE_WRITES).toBe('true');
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ DATABASE_URL: '', PORT: '' }).PORT).toBe(3000);
  });

  it('picks the replay extractor when a replay file is given', () => {
    expect(loadConfig({ SCOUT_REPLAY_FILE: 'x.json' }).extractor).toBe('replay');
    expect(loadConfig({}).extractor).toBe('anthropic');
  });

  it('reports every bad setting in one message', () => {
    expect(() =>
      loadConfig({
        DATABASE_URL: 'mysql://x',
        PORT: 'eighty',
        SCOUT_CRM: 'pipedrive',
        SLACK_API_URL: 'nope',
      }),
    ).toThrow(
      /Invalid configuration:\n {2}DATABASE_URL: .*\n {2}SCOUT_CRM: .*\n {2}SLACK_API_URL: .*\n {2}PORT: /s,
    );
  });

  it('takes a deal link template only with {id} in it', () => {
    const template = 'https://app.hubspot.com/contacts/123/record/0-3/{id}';
    expect(loadConfig({ SCOUT_DEAL_URL: template }).SCOUT_DEAL_URL).toBe(template);
    expect(() => loadConfig({ SCOUT_DEAL_URL: 'https://app.hubspot.com/deals' })).toThrow(
      /SCOUT_DEAL_URL: must contain \{id\} where the deal id goes/,
    );
    expect(() => loadConfig({ SCOUT_DEAL_URL: 'ftp://x/{id}' })).toThrow(/SCOUT_DEAL_URL/);
  });

  it('lists every missing requirement of a command', () => {
    const c = loadConfig({ SCOUT_EXTRACTOR: 'replay', SCOUT_CRM: 'hubspot' });
    expect(() => requireSettings(c, ['database', 'extractor', 'crm'])).toThrow(
      /DATABASE_URL is not set.*\n.*SCOUT_REPLAY_FILE.*\n.*HUBSPOT_ACCESS_TOKEN/,
    );
  });

  it('asks Salesforce for the JWT settings or a session, and names both ways', () => {
    const c = loadConfig({ SCOUT_CRM: 'salesforce', SALESFORCE_CLIENT_ID: 'key' });
    expect(() => requireSettings(c, ['crm'])).toThrow(
      /SCOUT_CRM=salesforce needs SALESFORCE_CLIENT_ID, SALESFORCE_USERNAME and SALESFORCE_PRIVATE_KEY_FILE.*or SALESFORCE_INSTANCE_URL and SALESFORCE_ACCESS_TOKEN/,
    );
    const direct = loadConfig({
      SCOUT_CRM: 'salesforce',
      SALESFORCE_INSTANCE_URL: 'https://example.my.salesforce.com',
      SALESFORCE_ACCESS_TOKEN: '00D!x',
    });
    expect(() => requireSettings(direct, ['crm'])).not.toThrow();
    expect(direct.SALESFORCE_LOGIN_URL).toBe('https://login.salesforce.com');
    expect(direct.SALESFORCE_API_RESERVE).toBe(1000);
  });
});
