import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { parseFinding } from '../../src/domain/finding.js';
import { textProblem } from '../../src/domain/text-check.js';
import { interpretMessage } from '../../src/extraction/anthropic-extractor.js';
import { gateNarrative } from '../../src/summary/narrative.js';

/**
 * docs/guarantees.md#g22: model answers are untrusted text that Scout stores (Postgres refuses NUL) and
 * shows in Slack. Control characters other than tab and line breaks, DEL and lone
 * surrogates are refused with the key and character named, and the text is never repeated.
 */
const SECRET = 'Contract-Text-Never-Echoed';
const valid = {
  field: 'economic_buyer',
  value: 'Dana',
  note_id: 'n1',
  quote: 'Dana signs',
  confidence: 0.9,
};

describe('control characters in a model finding', () => {
  it.each([
    // key, injected string, refused?, expected reason fragment
    [
      'quote',
      `${SECRET}\u0000x`,
      true,
      'quote: contains the control character U+0000 at character 26',
    ],
    ['quote', `${SECRET}\u001b[31m`, true, 'quote: contains the control character U+001B'],
    ['quote', `${SECRET}\u007f`, true, 'quote: contains the control character U+007F'],
    ['quote', `${SECRET}\u0008`, true, 'quote: contains the control character U+0008'],
    ['quote', `${SECRET}\ud800`, true, 'quote: contains a lone surrogate U+D800'],
    ['value', `${SECRET}\u0007`, true, 'value: contains the control character U+0007'],
    ['value', `${SECRET}\u000b`, true, 'value: contains the control character U+000B'],
    [
      'field',
      `economic_buyer\u0000${SECRET}`,
      true,
      'field: contains the control character U+0000',
    ],
    ['note_id', `n1\u000c${SECRET}`, true, 'note_id: contains the control character U+000C'],
    ['quote', `${SECRET}\tsigns`, false, ''],
    ['quote', `${SECRET}\nsigns\r\n`, false, ''],
    ['value', `${SECRET}\nline two`, false, ''],
    ['quote', `${SECRET} 😀 ü`, false, ''],
  ])('%s %j → refused: %s', (key, text, refused, fragment) => {
    const r = parseFinding({ ...valid, [key]: text });
    expect(r.ok).toBe(!refused);
    if (r.ok) return;
    expect(r.reason).toContain(fragment);
    // Nothing of the offending text reaches the log row: not in the reason, field, note or quote.
    expect(JSON.stringify(r)).not.toContain(SECRET);
    for (const echoed of [r.reason, r.field, r.noteId, r.quote])
      expect(textProblem(echoed ?? '')).toBeNull();
  });

  it('the clean keys of a refused finding are still named for the log row', () => {
    const r = parseFinding({ ...valid, value: `x\u0000${SECRET}` });
    expect(r).toMatchObject({
      ok: false,
      field: 'economic_buyer',
      noteId: 'n1',
      quote: 'Dana signs',
    });
  });

  it('a Messages API answer with a control character is rejected whole, naming the finding and key', () => {
    const tool = {
      type: 'tool_use',
      id: 't1',
      name: 'record_findings',
      input: { findings: [valid, { ...valid, quote: `${SECRET}\u0000` }] },
    } as Anthropic.ContentBlock;
    const r = interpretMessage(
      {
        content: [tool],
        stop_reason: 'tool_use',
        model: 'm',
        usage: { input_tokens: 1, output_tokens: 1 } as Anthropic.Usage,
      },
      'm',
    );
    expect(r.findings).toEqual([]);
    expect(r.rejection).toContain('findings.1.quote: contains the control character U+0000');
    expect(r.rejection).not.toContain(SECRET);
  });

  it('a narrative sentence with a control character is dropped alone, its text not repeated', () => {
    const note = {
      id: 'n1',
      dealId: 'd1',
      type: 'call' as const,
      createdAt: new Date('2026-11-18T15:00:00Z'),
      body: 'Dana signs the order form.',
    };
    const ok = { text: 'Dana signs.', note_id: 'n1', quote: 'Dana signs' };
    const gated = gateNarrative(
      { model: 'm', sentences: [ok, { ...ok, text: `${SECRET}\u001b]8;;http://x\u0007` }] },
      [note],
    );
    expect(gated.sentences).toEqual([ok]);
    expect(gated.dropped).toEqual([
      { reason: 'malformed sentence: text: contains the control character U+001B at character 26' },
    ]);
  });
});
