import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { findingSchema } from '../../src/domain/finding.js';
import { estimateCost, priceFor } from '../../src/domain/model-pricing.js';
import { interpretMessage } from '../../src/extraction/anthropic-extractor.js';
import { RECORD_FINDINGS_TOOL } from '../../src/extraction/record-findings-tool.js';

const usage: Anthropic.Usage = {
  input_tokens: 100,
  output_tokens: 20,
  cache_creation_input_tokens: 1000,
  cache_read_input_tokens: null,
} as Anthropic.Usage;
const finding = {
  field: 'economic_buyer',
  value: 'Dana',
  note_id: 'n1',
  quote: 'Dana signs',
  confidence: 0.9,
};
const tool = (input: unknown): Anthropic.ContentBlock =>
  ({ type: 'tool_use', id: 't1', name: 'record_findings', input }) as Anthropic.ContentBlock;
const msg = (
  content: Anthropic.ContentBlock[],
  stop_reason: Anthropic.StopReason = 'tool_use',
) => ({ content, stop_reason, usage, model: 'claude-sonnet-5-5' });

describe('interpreting the model answer', () => {
  it('takes findings from the one record_findings call and counts usage', () => {
    const r = interpretMessage(msg([tool({ findings: [finding] })]), 'm');
    expect(r.findings).toEqual([finding]);
    expect(r.rejection).toBeUndefined();
    expect(r.usage).toEqual({
      input_tokens: 100,
      output_tokens: 20,
      cache_creation_input_tokens: 1000,
      cache_read_input_tokens: 0,
    });
  });

  it.each([
    [
      'a text answer',
      msg(
        [{ type: 'text', text: 'The buyer is Dana.', citations: null } as Anthropic.ContentBlock],
        'end_turn',
      ),
      'without calling record_findings',
    ],
    ['a cut-off answer', msg([tool({ findings: [finding] })], 'max_tokens'), 'max_tokens'],
    ['two calls', msg([tool({ findings: [] }), tool({ findings: [] })]), 'more than once'],
    [
      'another tool',
      msg([
        { type: 'tool_use', id: 't', name: 'update_deal', input: {} } as Anthropic.ContentBlock,
      ]),
      'called update_deal',
    ],
    ['a missing findings array', msg([tool({ finding: [] })]), 'does not match'],
    [
      'a finding with a deal id',
      msg([tool({ findings: [finding, { ...finding, deal_id: 'd2' }] })]),
      'unexpected key(s) deal_id',
    ],
    [
      'a finding with a bad confidence',
      msg([tool({ findings: [finding, { ...finding, confidence: 7 }] })]),
      'confidence',
    ],
    [
      'too many findings',
      msg([tool({ findings: Array.from({ length: 51 }, () => finding) })]),
      'findings',
    ],
  ])('rejects %s as a whole', (_name, message, why) => {
    const r = interpretMessage(message, 'm');
    expect(r.findings).toEqual([]);
    expect(r.rejection).toContain(why);
  });
});

describe('the record_findings tool schema', () => {
  it('is strict and derived from the finding schema', () => {
    expect(RECORD_FINDINGS_TOOL.strict).toBe(true);
    const schema = RECORD_FINDINGS_TOOL.input_schema as unknown as {
      additionalProperties: boolean;
      required: string[];
      properties: { findings: { items: { additionalProperties: boolean; required: string[] } } };
    };
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['findings']);
    expect(schema.properties.findings.items.additionalProperties).toBe(false);
    expect(schema.properties.findings.items.required.sort()).toEqual(
      Object.keys(findingSchema.shape).sort(),
    );
  });
});

describe('cost estimates', () => {
  it('prices known models by family, and knows what it does not know', () => {
    expect(priceFor('claude-sonnet-4-5-20250929')).toMatchObject({ input: 3, output: 15 });
    expect(priceFor('claude-sonnet-5-5')).toMatchObject({ input: 2, output: 10 });
    expect(priceFor('claude-sonnet-5')).toMatchObject({ cacheRead: 0.2 });
    expect(priceFor('gpt-4')).toBeNull();
    const u = {
      input_tokens: 1_000_000,
      output_tokens: 100_000,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 1_000_000,
    };
    expect(estimateCost(u, 'claude-sonnet-5-5')).toBeCloseTo(2 + 1 + 0.1);
    expect(estimateCost(u, 'claude-sonnet-5-5', true)).toBeCloseTo(1.55);
    expect(estimateCost(u, 'unknown')).toBeNull();
  });
});
