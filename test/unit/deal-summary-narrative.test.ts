import type Anthropic from '@anthropic-ai/sdk';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH, loadPolicyFile, parsePolicyText } from '../../src/policy-file.js';
import type { CrmNote } from '../../src/services/ports/crm.js';
import { interpretNarrative } from '../../src/summary/claude-narrator.js';
import {
  buildNarrativePrompt,
  gateNarrative,
  RECORD_NARRATIVE,
} from '../../src/summary/narrative.js';

const NOTES: CrmNote[] = [
  {
    id: 'n1',
    dealId: 'd1',
    type: 'call',
    createdAt: new Date('2026-11-18T15:00:00Z'),
    body: 'Tom said budget sign-off sits with Dana Whitfield,\n  the CFO.',
  },
  {
    id: 'n2',
    dealId: 'd1',
    type: 'meeting',
    createdAt: new Date('2026-11-20T15:00:00Z'),
    body: 'Dana: "If legal signs off we can have this signed by January 31."',
  },
];
const answer = (sentences: unknown[]) => ({ sentences, model: 'm' });
const ok = {
  text: 'Dana signs the budget.',
  note_id: 'n1',
  quote: 'sits with Dana Whitfield, the CFO',
};

describe('gateNarrative: the extraction citation gate, per sentence', () => {
  it.each([
    ['a quote across a line break (whitespace collapses)', ok, true],
    ['a quote in another case', { ...ok, quote: 'SITS WITH DANA' }, false],
    ['a paraphrase', { ...ok, quote: 'Dana is the CFO' }, false],
    ['a note not shown', { ...ok, note_id: 'n3' }, false],
    ['the other note’s quote under this id', { ...ok, quote: 'signed by January 31' }, false],
    ['an empty quote', { ...ok, quote: '   ' }, false],
    ['an empty sentence', { ...ok, text: '  ' }, false],
    ['a key beyond the contract', { ...ok, deal_id: 'd2' }, false],
    ['a number for text', { ...ok, text: 42 }, false],
  ])('%s → kept: %s', (_what, sentence, kept) => {
    const gated = gateNarrative(answer([sentence]), NOTES);
    expect(gated.sentences.length).toBe(kept ? 1 : 0);
    expect(gated.dropped.length).toBe(kept ? 0 : 1);
  });

  it('a bad sentence drops alone; at most three are read', () => {
    const gated = gateNarrative(answer([ok, { ...ok, quote: 'made up' }, ok, ok, ok]), NOTES);
    expect(gated.sentences).toEqual([ok, ok]);
    expect(gated.dropped).toEqual([
      { reason: 'the quote does not occur word for word in note n1' },
    ]);
  });

  it('a rejected answer keeps nothing', () => {
    expect(gateNarrative({ ...answer([ok]), rejection: 'cut off' }, NOTES)).toEqual({
      sentences: [],
      dropped: [{ reason: 'cut off' }],
    });
  });
});

describe('interpretNarrative', () => {
  const tool = (input: unknown, name = RECORD_NARRATIVE) =>
    ({ type: 'tool_use', id: 't', name, input }) as Anthropic.ToolUseBlock;
  const msg = (content: Anthropic.ContentBlock[], stop: Anthropic.StopReason = 'tool_use') => ({
    content,
    stop_reason: stop,
    model: 'claude-x',
  });

  it('one record_narrative call: its sentences, untrusted, for the gate', () => {
    expect(interpretNarrative(msg([tool({ sentences: [ok, 'junk'] })]), 'm')).toEqual({
      model: 'claude-x',
      sentences: [ok, 'junk'],
    });
  });

  it.each([
    ['cut off at max_tokens', msg([tool({ sentences: [ok] })], 'max_tokens')],
    ['text instead of the tool', msg([{ type: 'text', text: 'hi', citations: null }], 'end_turn')],
    ['another tool', msg([tool({ sentences: [ok] }, 'record_findings')])],
    ['two calls', msg([tool({ sentences: [ok] }), tool({ sentences: [ok] })])],
    ['a key beyond the envelope', msg([tool({ sentences: [ok], deal: 'd2' })])],
  ])('%s → rejected, nothing used', (_what, message) => {
    const r = interpretNarrative(message, 'm');
    expect(r.sentences).toEqual([]);
    expect(r.rejection).toEqual(expect.any(String));
  });
});

describe('buildNarrativePrompt', () => {
  it('snapshot: notes fenced by their own hash, one forced tool, no deal id', () => {
    const prompt = buildNarrativePrompt({
      dealName: 'Acme — 2027 renewal',
      since: new Date('2026-11-16T00:00:00Z'),
      notes: NOTES,
    });
    expect(prompt).toMatchSnapshot();
    expect(JSON.stringify(prompt)).not.toContain('d1');
  });
});

describe('the policy switch deal_summary', () => {
  const base = 'version: 1\nobjects: { deal: { fields: {} } }\n';
  it('is off by default, also in the shipped policy', () => {
    expect(parsePolicyText(base, 'p.yml').dealSummary).toEqual({
      narrative: false,
      narrativeDays: 7,
    });
    expect(loadPolicyFile(DEFAULT_POLICY_PATH).dealSummary.narrative).toBe(false);
  });

  it('turns the narrative on, with its window', () => {
    const p = parsePolicyText(
      `${base}deal_summary: { narrative: true, narrative_days: 14 }\n`,
      'p.yml',
    );
    expect(p.dealSummary).toEqual({ narrative: true, narrativeDays: 14 });
  });

  it.each([
    ['deal_summary: { narrative: yes please }', 'p.yml:3:'],
    ['deal_summary: { narrative_days: 0 }', 'p.yml:3:'],
    ['deal_summary: { narative: true }', 'narative'],
  ])('%s is refused, saying where', (line, where) => {
    expect(() => parsePolicyText(`${base}${line}\n`, 'p.yml')).toThrow(where);
  });
});
