import { createTwoFilesPatch } from 'diff';
import { isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import type { Advice } from './domain/autonomy-advice.js';
import { ScoutError } from './errors.js';

interface TextEdit {
  readonly at: number;
  readonly end: number;
  readonly text: string;
}

/**
 * The policy text as it would read with the advice taken, edited in place: every byte
 * the advice does not touch stays as the operator wrote it (comments, order, flow or
 * block style), so the diff shows the advice and nothing else. Only text is returned;
 * nothing is written anywhere.
 */
export function applyAdviceToText(text: string, advice: readonly Advice[]): string {
  const doc = parseDocument(text, { keepSourceTokens: false });
  const edits: TextEdit[] = [];
  const byField = new Map<string, Advice[]>();
  for (const a of advice) byField.set(a.field, [...(byField.get(a.field) ?? []), a]);
  for (const [name, list] of byField) {
    const field = doc.getIn(['objects', 'deal', 'fields', name], true);
    if (!isMap(field))
      throw new ScoutError('policy_invalid', `the policy has no map for field ${name}`);
    const thresholds = field.get('thresholds', true);
    const added: string[] = [];
    for (const a of list) {
      const value = String(a.to);
      if (a.path.length === 1) edits.push(setKey(text, field, 'write', value));
      else if (isMap(thresholds)) edits.push(setKey(text, thresholds, a.path[1], value));
      else added.push(`${a.path[1]}: ${value}`);
    }
    // A field without its own thresholds gets one map holding every new one.
    if (added.length > 0) edits.push(addKey(text, field, 'thresholds', `{ ${added.join(', ')} }`));
  }
  let out = text;
  for (const e of [...edits].sort((x, y) => y.at - x.at))
    out = out.slice(0, e.at) + e.text + out.slice(e.end);
  return out;
}

function setKey(text: string, map: YAMLMap, key: string, value: string): TextEdit {
  const node = map.get(key, true);
  if (isScalar(node) && node.range) return { at: node.range[0], end: node.range[1], text: value };
  return addKey(text, map, key, value);
}

/** A new key at the end of a map: before a flow map's `}`, or as a line of a block map. */
function addKey(text: string, map: YAMLMap, key: string, value: string): TextEdit {
  const range = map.range;
  if (!range) throw new ScoutError('policy_invalid', `cannot place ${key} in the policy`);
  if (map.flow) {
    const close = text.lastIndexOf('}', range[1]);
    let at = close;
    while (at > range[0] && /\s/.test(text[at - 1] ?? '')) at -= 1;
    const empty = text[at - 1] === '{';
    return { at, end: at, text: `${empty ? ' ' : ', '}${key}: ${value}` };
  }
  const first = map.items[0]?.key;
  const start = isScalar(first) && first.range ? first.range[0] : range[0];
  const indent = start - (text.lastIndexOf('\n', start - 1) + 1);
  const at = range[1];
  const newline = text[at - 1] === '\n' ? '' : '\n';
  return { at, end: at, text: `${newline}${' '.repeat(indent)}${key}: ${value}\n` };
}

/** A unified diff of the policy file against the advice, for a person to apply or not. */
export function policyDiff(path: string, before: string, after: string): string {
  if (before === after) return '';
  return createTwoFilesPatch(path, path, before, after, 'current', 'with the advice taken');
}
