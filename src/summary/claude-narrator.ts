import type Anthropic from '@anthropic-ai/sdk';
import { z } from 'zod';
import {
  type AnthropicExtractorOptions,
  classifyApiError,
  createAnthropicClient,
} from '../extraction/anthropic-extractor.js';
import {
  buildNarrativePrompt,
  type NarrativeAnswer,
  type NarratorPort,
  RECORD_NARRATIVE,
} from './narrative.js';

const MAX_TOKENS = 1024;

/** The envelope only: each sentence is judged on its own by the gate. */
const envelope = z.strictObject({ sentences: z.array(z.unknown()) });

/**
 * Claude through the extractor's client (same key, base URL, retries and error
 * classification). A manager waits for this answer, so it gets one short call.
 */
export function createClaudeNarrator(options: AnthropicExtractorOptions): NarratorPort {
  const client = createAnthropicClient({ ...options, timeoutMs: options.timeoutMs ?? 30_000 });
  return {
    model: options.model,
    async narrate(request) {
      let message: Anthropic.Message;
      try {
        message = await client.messages.create({
          model: options.model,
          max_tokens: MAX_TOKENS,
          ...buildNarrativePrompt(request),
        });
      } catch (error) {
        throw classifyApiError(error, options.model);
      }
      return interpretNarrative(message, options.model);
    },
  };
}

/** A usable answer is exactly one `record_narrative` call that was not cut off. */
export function interpretNarrative(
  message: Pick<Anthropic.Message, 'content' | 'stop_reason' | 'model'>,
  model: string,
): NarrativeAnswer {
  const base = { model: message.model || model };
  if (message.stop_reason === 'max_tokens')
    return { ...base, sentences: [], rejection: 'the narrative was cut off at max_tokens' };
  const calls = message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
  const call = calls[0];
  if (calls.length !== 1 || !call || call.name !== RECORD_NARRATIVE)
    return { ...base, sentences: [], rejection: `the model did not call ${RECORD_NARRATIVE} once` };
  const parsed = envelope.safeParse(call.input);
  if (!parsed.success)
    return { ...base, sentences: [], rejection: 'the narrative does not match its schema' };
  return { ...base, sentences: parsed.data.sentences };
}
