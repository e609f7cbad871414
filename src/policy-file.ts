import { fileURLToPath } from 'node:url';
import { LineCounter, parseDocument } from 'yaml';
import { type Policy, policySchema, resolvePolicy } from './domain/policy.js';
import { ScoutError } from './errors.js';
import { describeIssues } from './input/located-issues.js';
import { readInputFile } from './input/read-input-file.js';

/** The documented default policy shipped with Scout. */
export const DEFAULT_POLICY_PATH = fileURLToPath(new URL('../policy/default.yml', import.meta.url));

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
  const parsed = policySchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const lines = describeIssues(parsed.error.issues, source, text);
    throw new ScoutError('policy_invalid', `Invalid policy file:\n  ${lines.join('\n  ')}`);
  }
  return resolvePolicy(parsed.data);
}

export function loadPolicyFile(path: string): Policy {
  return parsePolicyText(readInputFile(path, 'policy_invalid', 'policy file'), path);
}
