/**
 * The path of the first key that appears twice in one JSON object, or null. `JSON.parse`
 * keeps the last silently, so a seed or replay file could say one thing to a reader and
 * load another. Runs over text that already parsed, so it only tracks nesting, strings
 * and keys; it holds the key sets of the open objects only.
 */
export function duplicateKeyPath(text: string): (string | number)[] | null {
  type Frame =
    | { kind: 'object'; keys: Set<string>; key: string | null; expectKey: boolean }
    | { kind: 'array'; index: number };
  const stack: Frame[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    const top = stack.at(-1);
    if (ch === '{') stack.push({ kind: 'object', keys: new Set(), key: null, expectKey: true });
    else if (ch === '[') stack.push({ kind: 'array', index: 0 });
    else if (ch === '}' || ch === ']') stack.pop();
    else if (ch === ',') {
      if (top?.kind === 'array') top.index++;
      else if (top?.kind === 'object') top.expectKey = true;
    } else if (ch === ':' && top?.kind === 'object') top.expectKey = false;
    else if (ch === '"') {
      const end = stringEnd(text, i);
      if (top?.kind === 'object' && top.expectKey) {
        const key = JSON.parse(text.slice(i, end + 1)) as string;
        if (top.keys.has(key)) return [...pathOf(stack.slice(0, -1)), key];
        top.keys.add(key);
        top.key = key;
      }
      i = end;
    }
  }
  return null;
}

function stringEnd(text: string, start: number): number {
  for (let j = start + 1; j < text.length; j++) {
    if (text[j] === '\\') j++;
    else if (text[j] === '"') return j;
  }
  return text.length - 1;
}

function pathOf(
  frames: readonly ({ kind: 'object'; key: string | null } | { kind: 'array'; index: number })[],
): (string | number)[] {
  return frames.map((f) => (f.kind === 'array' ? f.index : (f.key ?? '')));
}
