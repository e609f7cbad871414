import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error -- plain JavaScript beside bin/scout.js, without type declarations
import { freshBuild } from '../../bin/fresh-build.js';

/** A scratch checkout: src/ with a nested file, and dist/main.js when `built` is given. */
function checkout(sourceAt: number, built?: number): string {
  const root = mkdtempSync(join(tmpdir(), 'scout-build-'));
  mkdirSync(join(root, 'src', 'deep'), { recursive: true });
  const source = join(root, 'src', 'deep', 'module.ts');
  writeFileSync(source, 'export {};\n');
  utimesSync(source, sourceAt, sourceAt);
  if (built !== undefined) {
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist', 'main.js'), '');
    utimesSync(join(root, 'dist', 'main.js'), built, built);
  }
  roots.push(root);
  return root;
}
const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('bin/scout.js runs the build only while it is newer than every source', () => {
  it('runs the sources when there is no build', () => {
    expect(freshBuild(checkout(1_000))).toBe(false);
  });
  it('runs the build made after the last source change', () => {
    expect(freshBuild(checkout(1_000, 2_000))).toBe(true);
  });
  it('runs the sources again once any file under src/, however deep, is newer than the build', () => {
    expect(freshBuild(checkout(3_000, 2_000))).toBe(false);
  });
});
