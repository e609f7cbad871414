import type { Config } from '../config.js';
import { ScoutError } from '../errors.js';
import type { SecondOpinionPort } from '../services/ports/second-opinion.js';
import { createClaudeSecondOpinion } from './second-opinion.js';

/** The second opinion when SCOUT_SCREEN_SECOND_OPINION=1, else none (the default). */
export function secondOpinionFromConfig(config: Config): SecondOpinionPort | undefined {
  if (config.SCOUT_SCREEN_SECOND_OPINION !== '1') return undefined;
  if (!config.ANTHROPIC_API_KEY) {
    throw new ScoutError(
      'config_invalid',
      'Invalid configuration:\n  SCOUT_SCREEN_SECOND_OPINION=1 needs ANTHROPIC_API_KEY (the second opinion asks Claude)',
    );
  }
  return createClaudeSecondOpinion({
    apiKey: config.ANTHROPIC_API_KEY,
    model: config.SCOUT_SCREEN_MODEL,
    maxRetries: config.SCOUT_MODEL_MAX_RETRIES,
    ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}),
  });
}
