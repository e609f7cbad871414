import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { vendorPath } from '../support/vendor-dir.js';

const specs = vendorPath('specs/slack/manifest/');
const read = (path: string) => JSON.parse(readFileSync(path, 'utf8'));
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
const validate = ajv.compile(read(`${specs}manifest.schema.1.0.0.json`));

describe('manifest.yml', () => {
  it("the validator accepts Slack's valid example and refuses the invalid one", () => {
    expect(validate(read(`${specs}v1.manifest.valid.json`))).toBe(true);
    expect(validate(read(`${specs}v1.manifest.invalid.json`))).toBe(false);
  });

  it('is a valid Slack app manifest', () => {
    const manifest = parse(
      readFileSync(fileURLToPath(new URL('../../manifest.yml', import.meta.url)), 'utf8'),
    );
    const ok = validate(manifest);
    expect(ajv.errorsText(validate.errors)).toBe('No errors');
    expect(ok).toBe(true);
  });

  it('asks for the minimal bot scopes and declares both commands and interactivity', () => {
    const manifest = parse(
      readFileSync(fileURLToPath(new URL('../../manifest.yml', import.meta.url)), 'utf8'),
    );
    expect(manifest.oauth_config.scopes.bot).toEqual([
      'chat:write',
      'commands',
      'im:write',
      'users:read',
      'users:read.email',
      'usergroups:read',
    ]);
    expect(manifest.features.slash_commands.map((c: { command: string }) => c.command)).toEqual([
      '/deal-summary',
      '/scout',
    ]);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    // The App Home tab: published on app_home_opened.
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toEqual(['app_home_opened']);
  });
});
