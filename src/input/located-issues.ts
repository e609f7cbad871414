import { isMap, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import type { z } from 'zod';
import { duplicateKeyPath } from './duplicate-keys.js';

/**
 * Turns zod issues into messages a person can act on: `file:line:col: path: problem`.
 * Works for YAML and JSON alike (JSON is YAML), and only parses for positions when
 * there is something to report, so valid large files pay nothing.
 */
export function describeIssues(
  issues: readonly z.core.$ZodIssue[],
  source: string,
  text: string,
): string[] {
  const lineCounter = new LineCounter();
  // A YAML tree of a big file costs tens of times its size: past the bound, paths only.
  const doc =
    text.length <= MAX_POSITIONED_TEXT
      ? parseDocument(text, { lineCounter, uniqueKeys: false })
      : undefined;
  const messages: string[] = [];
  for (const issue of issues) {
    const path = issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        const where = position(doc?.contents, [...path, key], lineCounter, true);
        messages.push(
          `${source}${where}: ${formatPath([...path, key])}: unknown key (allowed keys are listed in the docs)`,
        );
      }
      continue;
    }
    const where = position(doc?.contents, path, lineCounter, issue.code === 'invalid_key');
    // A record key's own failure is nested one level down; its message is the useful one.
    const message =
      issue.code === 'invalid_key' ? issue.issues.map((i) => i.message).join('; ') : issue.message;
    messages.push(`${source}${where}: ${formatPath(path) || '(top level)'}: ${message}`);
  }
  return messages;
}

/** Texts up to this many characters get line and column in their messages. */
const MAX_POSITIONED_TEXT = 1024 * 1024;

export function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

function position(
  root: unknown,
  path: readonly (string | number)[],
  lines: LineCounter,
  pointAtKey: boolean,
): string {
  let node: unknown = root;
  let located: Node | undefined = isNode(root) ? root : undefined;
  for (const [i, segment] of path.entries()) {
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((it) => keyOf(it.key) === String(segment));
      if (!pair) break;
      const target = last && pointAtKey ? pair.key : (pair.value ?? pair.key);
      if (isNode(target)) located = target;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (!isNode(item)) break;
      located = item;
      node = item;
    } else {
      break;
    }
  }
  const offset = located?.range?.[0];
  if (offset === undefined) return '';
  const { line, col } = lines.linePos(offset);
  return `:${line}:${col}`;
}

function keyOf(key: unknown): string | undefined {
  if (key && typeof key === 'object' && 'value' in key)
    return String((key as { value: unknown }).value);
  return key === undefined || key === null ? undefined : String(key);
}

function isNode(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}

/** `JSON.parse`, with a failure reported as `file:line:col: message`. */
export function parseJsonText(
  text: string,
  source: string,
): { ok: true; value: unknown } | { ok: false; message: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const at = /position (\d+)/.exec(message);
    if (at?.[1]) {
      const offset = Number(at[1]);
      const before = text.slice(0, offset).split('\n');
      const line = before.length;
      const col = (before.at(-1)?.length ?? 0) + 1;
      return { ok: false, message: `${source}:${line}:${col}: not valid JSON: ${message}` };
    }
    return { ok: false, message: `${source}: not valid JSON: ${message}` };
  }
  const duplicate = duplicateKeyPath(text);
  if (duplicate)
    return {
      ok: false,
      message: `${source}: ${formatPath(duplicate)}: duplicate key (a key may appear once per object)`,
    };
  return { ok: true, value };
}
