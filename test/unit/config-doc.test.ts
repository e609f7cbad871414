import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIGURATION_PAGE, renderConfigurationPage } from '../../scripts/config-doc.js';
import { envSchema } from '../../src/config.js';

describe('docs/configuration.md', () => {
  it('is what src/config.ts generates (run `npm run docs:config` after changing a setting)', () => {
    expect(readFileSync(CONFIGURATION_PAGE, 'utf8')).toBe(renderConfigurationPage());
  });

  it('lists every setting the schema parses, once, with its default', () => {
    const page = renderConfigurationPage();
    for (const name of Object.keys(envSchema.shape)) {
      expect(page.split(`| \`${name}\``).length - 1, name).toBe(1);
    }
    expect(page).toMatch(/\| `SCOUT_RUN_PAGE_SIZE` \| `200` \|/);
    expect(page).toMatch(/\| `ANTHROPIC_API_KEY` \(secret\) \| — \|/);
  });
});
