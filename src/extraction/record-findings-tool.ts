import type Anthropic from '@anthropic-ai/sdk';
import { transformJSONSchema } from '@anthropic-ai/sdk/lib/transform-json-schema';
import { z } from 'zod';
import { findingSchema } from '../domain/finding.js';

export const RECORD_FINDINGS = 'record_findings';
export const MAX_FINDINGS = 50;

/**
 * The whole answer the model gives through its one tool. The same zod schema
 * validates the answer and generates the tool's JSON schema, so the two cannot drift.
 */
export const recordFindingsInputSchema = z.strictObject({
  findings: z
    .array(
      findingSchema.extend({
        field: findingSchema.shape.field.describe(
          'One of the field names listed for this deal, exactly as written.',
        ),
        value: findingSchema.shape.value.describe(
          'The value, in the field type: text, a number, an ISO date YYYY-MM-DD, one of the options, or a user id.',
        ),
        note_id: findingSchema.shape.note_id.describe(
          'The id of the single note the quote is copied from.',
        ),
        quote: findingSchema.shape.quote.describe(
          'A word-for-word excerpt of that note, copied character for character, that states the value.',
        ),
        confidence: findingSchema.shape.confidence.describe(
          'How sure you are, from 0 to 1. Stated facts near 0.9; hints and hedges at or below 0.5.',
        ),
      }),
    )
    .max(MAX_FINDINGS)
    .describe(
      'Every field you can fill from the notes. An empty array when the notes say nothing definite.',
    ),
});

/** The tool definition sent to the Messages API; `strict` asks the API to enforce the schema. */
export const RECORD_FINDINGS_TOOL: Anthropic.Tool = {
  name: RECORD_FINDINGS,
  description:
    'Record the qualification findings for this deal. Call it exactly once. Each finding names one field, its value, the note it comes from and a word-for-word quote.',
  input_schema: transformJSONSchema(
    z.toJSONSchema(recordFindingsInputSchema) as Record<string, unknown>,
  ) as Anthropic.Tool.InputSchema,
  strict: true,
};
