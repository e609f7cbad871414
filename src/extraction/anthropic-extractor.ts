import Anthropic from '@anthropic-ai/sdk';
import type { ModelUsage } from '../domain/run-summary.js';
import { ScoutError } from '../errors.js';
import type {
  ExtractionRequest,
  ExtractionResult,
  ExtractorPort,
} from '../services/ports/extractor.js';
import { buildExtractionPrompt } from './prompt-builder.js';
import { RECORD_FINDINGS, recordFindingsInputSchema } from './record-findings-tool.js';

export const DEFAULT_MAX_TOKENS = 4096;

export interface AnthropicExtractorOptions {
  readonly apiKey: string;
  readonly baseURL?: string;
  readonly model: string;
  /** Retries of 408/409/429/5xx/529, honouring `retry-after` (the SDK's own backoff). */
  readonly maxRetries?: number;
  readonly timeoutMs?: number;
  readonly maxTokens?: number;
}

export function createAnthropicClient(options: AnthropicExtractorOptions): Anthropic {
  return new Anthropic({
    apiKey: options.apiKey,
    ...(options.baseURL ? { baseURL: options.baseURL } : {}),
    maxRetries: options.maxRetries ?? 4,
    timeout: options.timeoutMs ?? 120_000,
  });
}

/** The Messages API parameters for one deal: the only place model, limits and prompt meet. */
export function messageParams(
  options: AnthropicExtractorOptions,
  request: ExtractionRequest,
): Anthropic.MessageCreateParamsNonStreaming {
  return {
    model: options.model,
    max_tokens: options.maxTokens ?? DEFAULT_MAX_TOKENS,
    ...buildExtractionPrompt(request),
  };
}

/** The Claude extractor: one forced `record_findings` call per deal, nothing else offered to the model. */
export function createAnthropicExtractor(options: AnthropicExtractorOptions): ExtractorPort {
  const client = createAnthropicClient(options);
  // Cache diagnostics: each call names the previous answer, so the API can say where the
  // prompt prefix parted from it (model, system, tools or messages) when the cache missed.
  let previous: string | null = null;
  return {
    model: options.model,
    async extract(request: ExtractionRequest): Promise<ExtractionResult> {
      let message: Anthropic.Message;
      try {
        message = await client.messages.create({
          ...messageParams(options, request),
          diagnostics: { previous_message_id: previous },
        });
      } catch (error) {
        throw classifyApiError(error, options.model);
      }
      previous = message.id;
      const miss = cacheMissOf(message.diagnostics);
      return { ...interpretMessage(message, options.model), ...(miss ? { cacheMiss: miss } : {}) };
    },
  };
}

/** The API's cache miss reason in a few words, e.g. "system_changed (~1200 tokens not read from cache)". */
export function cacheMissOf(diagnostics: Anthropic.Diagnostics | null | undefined): string | null {
  const reason = diagnostics?.cache_miss_reason;
  if (!reason) return null;
  const missed = 'cache_missed_input_tokens' in reason ? reason.cache_missed_input_tokens : null;
  return missed ? `${reason.type} (~${missed} tokens not read from cache)` : reason.type;
}

export function usageOf(usage: Anthropic.Usage | null | undefined): ModelUsage {
  return {
    input_tokens: usage?.input_tokens ?? 0,
    output_tokens: usage?.output_tokens ?? 0,
    cache_creation_input_tokens: usage?.cache_creation_input_tokens ?? 0,
    cache_read_input_tokens: usage?.cache_read_input_tokens ?? 0,
  };
}

/**
 * Turns a Messages API answer into findings, or into a rejection: an answer that does
 * not validate as a whole is never partly used.
 */
export function interpretMessage(
  message: Pick<Anthropic.Message, 'content' | 'stop_reason' | 'usage' | 'model'>,
  model: string,
): ExtractionResult {
  const base = { model: message.model || model, usage: usageOf(message.usage) };
  if (message.stop_reason === 'max_tokens') {
    return {
      ...base,
      findings: [],
      rejection: 'the answer was cut off at max_tokens and is not used',
    };
  }
  const calls = message.content.filter((b): b is Anthropic.ToolUseBlock => b.type === 'tool_use');
  const ours = calls.filter((c) => c.name === RECORD_FINDINGS);
  if (ours.length === 0 || ours.length !== calls.length) {
    const what =
      calls.length === 0
        ? 'answered in text without calling record_findings'
        : `called ${calls.map((c) => c.name).join(', ')}`;
    return { ...base, findings: [], rejection: `the model ${what}; the answer is not used` };
  }
  if (ours.length > 1)
    return {
      ...base,
      findings: [],
      rejection: 'the model called record_findings more than once; the answer is not used',
    };
  const parsed = recordFindingsInputSchema.safeParse(ours[0]?.input);
  if (!parsed.success) {
    const why = parsed.error.issues
      .slice(0, 5)
      .map((i) =>
        i.code === 'unrecognized_keys'
          ? `${i.path.join('.') || 'answer'}: unexpected key(s) ${i.keys.join(', ')}`
          : `${i.path.join('.') || 'answer'}: ${i.message}`,
      )
      .join('; ');
    return {
      ...base,
      findings: [],
      rejection: `the answer does not match the record_findings schema (${why}); none of it is used`,
    };
  }
  return { ...base, findings: parsed.data.findings };
}

const SPEND_LIMIT = /credit balance|spend(ing)? limit|usage limit|billing/i;

/**
 * Errors that would fail every deal the same way stop the run (exit 1) with a plain
 * message; the rest fail only the deal at hand, after the SDK's retries.
 */
export function classifyApiError(error: unknown, model: string): unknown {
  if (!(error instanceof Anthropic.APIError)) return error;
  const detail = apiMessage(error);
  if (error instanceof Anthropic.AuthenticationError) {
    return new ScoutError(
      'extractor_fatal',
      `The Anthropic API rejected the API key (401): ${detail}. Check ANTHROPIC_API_KEY.`,
      { cause: error },
    );
  }
  if (error instanceof Anthropic.PermissionDeniedError) {
    return new ScoutError('extractor_fatal', `The Anthropic API refused access (403): ${detail}`, {
      cause: error,
    });
  }
  if (
    error.status === 402 ||
    (error instanceof Anthropic.BadRequestError && SPEND_LIMIT.test(detail))
  ) {
    return new ScoutError(
      'extractor_fatal',
      `The Anthropic account's spend limit or credit stops this run: ${detail}`,
      { cause: error },
    );
  }
  if (error instanceof Anthropic.NotFoundError) {
    return new ScoutError(
      'extractor_fatal',
      `The Anthropic API does not know model ${model} (404): ${detail}. Check SCOUT_MODEL.`,
      { cause: error },
    );
  }
  return new Error(`Anthropic API error ${error.status ?? ''} after retries: ${detail}`, {
    cause: error,
  });
}

function apiMessage(error: InstanceType<typeof Anthropic.APIError>): string {
  const body = error.error as { error?: { type?: string; message?: string } } | undefined;
  const inner = body?.error;
  if (inner?.message) return `${inner.type ?? 'error'}: ${inner.message}`;
  return error.message;
}
