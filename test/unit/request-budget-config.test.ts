import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

describe('the HubSpot request budget settings', () => {
  it('gives every process the same HubSpot base URL, however it is written, so they share one budget', () => {
    // The budget's Redis key is derived from the base URL and the token.
    const bases = ['https://api.hubapi.com', 'https://api.hubapi.com/', undefined].map(
      (HUBSPOT_BASE_URL) =>
        loadConfig(HUBSPOT_BASE_URL ? { HUBSPOT_BASE_URL } : {}).HUBSPOT_BASE_URL,
    );
    expect(bases).toEqual([
      'https://api.hubapi.com',
      'https://api.hubapi.com',
      'https://api.hubapi.com',
    ]);
  });

  it('takes a single search a second, but at least 2 requests per 10 s (an update and its read)', () => {
    const c = loadConfig({ HUBSPOT_REQUESTS_PER_10S: '2', HUBSPOT_SEARCH_PER_SECOND: '1' });
    expect([c.HUBSPOT_REQUESTS_PER_10S, c.HUBSPOT_SEARCH_PER_SECOND]).toEqual([2, 1]);
    expect(() => loadConfig({ HUBSPOT_REQUESTS_PER_10S: '1' })).toThrow(
      /HUBSPOT_REQUESTS_PER_10S: /,
    );
    expect(() => loadConfig({ HUBSPOT_SEARCH_PER_SECOND: '0' })).toThrow(
      /HUBSPOT_SEARCH_PER_SECOND: /,
    );
  });
});
