import { readFileSync } from 'node:fs';
import { ScoutError, type ScoutErrorCode } from '../errors.js';

/** Reads an operator-supplied file; failure is an input error naming the file and what it was for. */
export function readInputFile(path: string, code: ScoutErrorCode, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new ScoutError(code, `Cannot read ${what} ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
