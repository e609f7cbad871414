import { InvalidArgumentError } from 'commander';
import { ACTIONS } from '../domain/actions.js';

/** `--action`: one action or several, comma-separated; each must be one the log knows. */
export function parseActions(value: string): string[] {
  const wanted = value
    .split(',')
    .map((a) => a.trim())
    .filter((a) => a !== '');
  const unknown = wanted.filter((a) => !(ACTIONS as readonly string[]).includes(a));
  if (wanted.length === 0 || unknown.length > 0)
    throw new InvalidArgumentError(
      `unknown action ${JSON.stringify(unknown[0] ?? value).slice(0, 60)}; one of ${ACTIONS.join(', ')}`,
    );
  return wanted;
}
