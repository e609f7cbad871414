import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { isScalar, LineCounter, parseDocument, visit } from 'yaml';
import { FORBIDDEN_KEYS, type Policy, policySchema, resolvePolicy } from './domain/policy.js';
import { ScoutError } from './errors.js';
import { describeIssues } from './input/located-issues.js';
import { readInputFile } from './input/read-input-file.js';

/** The documented default policy shipped with Scout. */
export const DEFAULT_POLICY_PATH = fileURLToPath(new URL('../policy/default.yml', import.meta.url));

/** The policy `SCOUT_POLICY` names, or the shipped default. */
export function loadPolicy(config: { readonly SCOUT_POLICY?: string | undefined }): Policy {
  return loadPolicyFile(config.SCOUT_POLICY ?? DEFAULT_POLICY_PATH);
}

/** Parses and validates policy YAML; every problem is listed with its line, none is half-applied. */
export function parsePolicyText(text: string, source: string): Policy {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      const message = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
      return `${source}${pos ? `:${pos.line}:${pos.col}` : ''}: ${message}`;
    });
    throw new ScoutError('policy_invalid', `Invalid policy file:\n  ${lines.join('\n  ')}`);
  }
  const forbidden = forbiddenKeys(doc, lineCounter, source);
  if (forbidden.length > 0)
    throw new ScoutError('policy_invalid', `Invalid policy file:\n  ${forbidden.join('\n  ')}`);
  let value: unknown;
  try {
    // A policy needs no aliases to speak of; a bounded count stops a billion-laughs file.
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw new ScoutError(
      'policy_invalid',
      `Invalid policy file:\n  ${source}: ${(error as Error).message} (aliases expand to more than ${MAX_ALIAS_COUNT} nodes)`,
    );
  }
  const parsed = policySchema.safeParse(value);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error.issues, source, text);
    throw new ScoutError('policy_invalid', `Invalid policy file:\n  ${lines.join('\n  ')}`);
  }
  return resolvePolicy(parsed.data);
}

const MAX_ALIAS_COUNT = 100;

/** `__proto__`, `constructor` and `prototype` as keys, anywhere: refused by name, with their line. */
function forbiddenKeys(
  doc: ReturnType<typeof parseDocument>,
  lines: LineCounter,
  source: string,
): string[] {
  const found: string[] = [];
  visit(doc, {
    Pair(_key, pair) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined || !FORBIDDEN_KEYS.has(key)) return;
      const offset = isScalar(pair.key) ? pair.key.range?.[0] : undefined;
      const where =
        offset === undefined ? '' : `:${lines.linePos(offset).line}:${lines.linePos(offset).col}`;
      found.push(`${source}${where}: the key ${key} is not allowed anywhere in a policy`);
    },
  });
  return found;
}

/** A policy file, parsed, carrying its path, text and sha256 for the runs made under it (docs/guarantees.md#g25). */
export function loadPolicyFile(path: string): Policy {
  const text = readInputFile(path, 'policy_invalid', 'policy file');
  const sha256 = createHash('sha256').update(text, 'utf8').digest('hex');
  return { ...parsePolicyText(text, path), source: { path, sha256, text } };
}
