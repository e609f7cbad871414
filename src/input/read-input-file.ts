import { isUtf8 } from 'node:buffer';
import { readFileSync, statSync } from 'node:fs';
import { ScoutError, type ScoutErrorCode } from '../errors.js';

/**
 * Operator files are small (a policy, a seed, a replay): anything bigger is refused before
 * it is read, so a wrong or hostile file cannot take the process's memory (docs/guarantees.md#g22).
 */
export const MAX_INPUT_BYTES = 32 * 1024 * 1024;

/**
 * Reads an operator-supplied file as UTF-8; failure is an input error naming the file and
 * what it was for. Bytes that are not UTF-8 are refused with their offset, never replaced.
 */
export function readInputFile(
  path: string,
  code: ScoutErrorCode,
  what: string,
  maxBytes = MAX_INPUT_BYTES,
): string {
  let bytes: Buffer;
  try {
    const size = statSync(path).size;
    if (size > maxBytes)
      throw new ScoutError(
        code,
        `The ${what} ${path} is ${megabytes(size)} MB; the limit is ${megabytes(maxBytes)} MB (split it into several files)`,
      );
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof ScoutError) throw error;
    throw new ScoutError(code, `Cannot read ${what} ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const bad = invalidUtf8Offset(bytes);
  if (bad !== null)
    throw new ScoutError(code, `The ${what} ${path} is not valid UTF-8 at byte offset ${bad}`);
  return bytes.toString('utf8');
}

function megabytes(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, '');
}

/**
 * The offset of the first byte that does not start or continue a well-formed UTF-8
 * sequence (overlong forms, surrogates and code points past U+10FFFF included), or null.
 */
export function invalidUtf8Offset(bytes: Uint8Array): number | null {
  if (isUtf8(bytes)) return null;
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i] as number;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = b === 0xe0 ? 0xa0 : 0x80;
      if (b === 0xed) max = 0x9f; // UTF-16 surrogates are not characters
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = b === 0xf0 ? 0x90 : 0x80;
      if (b === 0xf4) max = 0x8f;
    } else {
      return i;
    }
    for (let k = 1; k <= need; k++) {
      const c = bytes[i + k];
      const lo = k === 1 ? min : 0x80;
      const hi = k === 1 ? max : 0xbf;
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += need + 1;
  }
  return null;
}
