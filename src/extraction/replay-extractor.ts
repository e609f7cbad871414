import { z } from 'zod';
import { emptyUsage } from '../domain/run-summary.js';
import { ScoutError } from '../errors.js';
import { describeIssues, parseJsonText } from '../input/located-issues.js';
import { readInputFile } from '../input/read-input-file.js';
import type { ExtractorPort } from '../services/ports/extractor.js';

const replaySchema = z.record(z.string().min(1), z.array(z.unknown()));

export const REPLAY_MODEL = 'replay';

/**
 * Replays recorded or hand-written model answers (SPEC extraction contract): a JSON
 * object mapping deal id to that deal's `findings` array. The file's shape is checked
 * up front; each finding is judged later by the same pipeline as live model output.
 */
export function parseReplayText(text: string, source: string): ExtractorPort {
  const json = parseJsonText(text, source);
  if (!json.ok) throw new ScoutError('replay_invalid', `Invalid replay file:\n  ${json.message}`);
  const parsed = replaySchema.safeParse(json.value);
  if (!parsed.success) {
    const lines = describeIssues(parsed.error.issues, source, text);
    throw new ScoutError(
      'replay_invalid',
      `Invalid replay file (expected an object mapping deal id to an array of findings):\n  ${lines.join('\n  ')}`,
    );
  }
  const byDeal = new Map(Object.entries(parsed.data));
  return {
    model: REPLAY_MODEL,
    async extract(request) {
      return {
        findings: byDeal.get(request.dealId) ?? [],
        model: REPLAY_MODEL,
        usage: emptyUsage(),
      };
    },
  };
}

export function loadReplayFile(path: string): ExtractorPort {
  return parseReplayText(readInputFile(path, 'replay_invalid', 'replay file'), path);
}
