import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const probes: string[] = [];

/** Lints a file placed inside the source tree with the repository's biome.json. */
function lintProbe(relativePath: string, text: string) {
  const path = join(root, relativePath);
  probes.push(path);
  writeFileSync(path, text);
  const out = spawnSync(join(root, 'node_modules/.bin/biome'), ['lint', relativePath], {
    cwd: root,
    encoding: 'utf8',
  });
  return { status: out.status, output: `${out.stdout}${out.stderr}` };
}

afterAll(() => {
  for (const path of probes) rmSync(path, { force: true });
});

describe('layering (biome noRestrictedImports)', () => {
  it.each([
    ['a service importing an adapter', 'services', "import type { Db } from '../db/client.js';"],
    [
      'the domain importing a service',
      'domain',
      "import type { CrmDeal as Db } from '../services/ports/crm.js';",
    ],
  ])('refuses %s', (_, layer, wrongWay) => {
    const probe = lintProbe(
      `src/${layer}/layering-probe-${process.pid}.ts`,
      `${wrongWay}\n\nexport type Probe = Db;\n`,
    );
    expect(probe.status).not.toBe(0);
    expect(probe.output).toContain('lint/style/noRestrictedImports');
  });

  it('lets a service import its ports and the domain', () => {
    const probe = lintProbe(
      `src/services/layering-probe-ok-${process.pid}.ts`,
      "import type { ProposalRow } from '../domain/proposal.js';\nimport type { ProposalStore } from './ports/proposal-store.js';\n\nexport type Probe = [ProposalRow, ProposalStore];\n",
    );
    expect(probe.output).not.toContain('noRestrictedImports');
    expect(probe.status).toBe(0);
  });
});
