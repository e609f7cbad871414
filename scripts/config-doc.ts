/**
 * Renders docs/configuration.md from the environment schema in src/config.ts, so the page
 * cannot drift from what Scout parses: `npm run docs:config` writes it, and
 * test/unit/config-doc.test.ts fails when the committed page differs.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { envSchema, SECRET_SETTINGS } from '../src/config.js';

export const CONFIGURATION_PAGE = fileURLToPath(
  new URL('../docs/configuration.md', import.meta.url),
);

interface Setting {
  readonly name: string;
  readonly group: string;
  readonly description: string;
  readonly fallback: unknown;
}

const INTRO = `# Configuration

<!-- Generated from src/config.ts by \`npm run docs:config\`; edit the schema, not this page. -->

Scout reads its settings from the environment, once, through one zod schema
(\`src/config.ts\`). Every bad setting is listed in one message at start-up, and the
command exits with code 2. Empty values count as unset. Secrets are never logged
and never stored.`;

function settings(): Setting[] {
  const defaults: Record<string, unknown> = envSchema.parse({});
  return Object.entries(envSchema.shape).map(([name, schema]) => {
    const meta = schema.meta() as { group?: string; description?: string } | undefined;
    if (!meta?.group || !meta.description)
      throw new Error(`${name} in src/config.ts has no doc(…): give it a group and a description`);
    return { name, group: meta.group, description: meta.description, fallback: defaults[name] };
  });
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');

function row(s: Setting): string {
  const secret = (SECRET_SETTINGS as readonly string[]).includes(s.name) ? ' (secret)' : '';
  const fallback = s.fallback === undefined ? '—' : `\`${String(s.fallback)}\``;
  return `| \`${s.name}\`${secret} | ${fallback} | ${cell(s.description)} |`;
}

export function renderConfigurationPage(): string {
  const all = settings();
  const groups = [...new Set(all.map((s) => s.group))];
  const sections = groups.map((group) =>
    [
      `## ${group}`,
      '',
      '| variable | default | meaning |',
      '|---|---|---|',
      ...all.filter((s) => s.group === group).map(row),
    ].join('\n'),
  );
  return `${[INTRO, ...sections].join('\n\n')}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(CONFIGURATION_PAGE, renderConfigurationPage());
  console.log(`wrote ${CONFIGURATION_PAGE}`);
}
