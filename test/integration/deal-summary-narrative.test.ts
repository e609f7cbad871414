import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createClaudeNarrator } from '../../src/summary/claude-narrator.js';
import { type AnthropicStandIn, startAnthropicStandIn } from '../support/anthropic-stand-in.js';
import {
  createDealSummaryHarness,
  type DealSummaryHarness,
} from '../support/deal-summary-harness.js';

const enable = (text: string) =>
  text.replace(
    'proposal_ttl_hours: 72',
    'proposal_ttl_hours: 72\ndeal_summary: { narrative: true }',
  );
const NOW = new Date('2026-11-24T09:00:00Z');

type Block = { block_id?: string; text?: { text: string } };
const narrativeOf = (r: Record<string, unknown> | undefined) =>
  ((r?.blocks ?? []) as Block[]).find((b) => b.block_id === 'narrative')?.text?.text;

describe('the optional narrative: Claude, behind the citation gate', () => {
  let api: AnthropicStandIn;
  let s: DealSummaryHarness | undefined;
  beforeEach(async () => {
    api = await startAnthropicStandIn();
  });
  afterEach(async () => {
    await s?.close();
    s = undefined;
    await api.close();
  });
  const narrator = () =>
    createClaudeNarrator({
      apiKey: api.apiKey,
      baseURL: api.url,
      model: 'claude-sonnet-5-5',
      maxRetries: 0,
    });

  it('keeps sentences whose quote is word for word in a note shown, drops the rest', async () => {
    s = await createDealSummaryHarness({ policyText: enable, narrator: narrator(), now: NOW });
    api.reply = () => ({
      kind: 'tool_input',
      input: {
        sentences: [
          {
            text: 'Dana expects to sign by January 31 if legal agrees.',
            note_id: 'n2',
            quote: 'we can have this signed by January 31',
          },
          {
            text: 'Dana doubled the budget.',
            note_id: 'n2',
            quote: 'we are doubling the budget',
          },
          {
            text: 'The CEO makes the final call.',
            note_id: 'n3',
            quote: 'Our CEO Hank Scorpio will make the final call.',
          },
        ],
      },
    });
    const answer = (await s.command('d1')).responses[0];
    const narrative = narrativeOf(answer) ?? '';
    expect(narrative).toBe(
      '*What changed since 2026-11-17* (written by Claude; every sentence quotes a note; 2 sentence(s) dropped by the citation gate)\n' +
        '• Dana expects to sign by January 31 if legal agrees.\n' +
        '> we can have this signed by January 31\n' +
        '_from a meeting of 2026-11-20_',
    );
    expect(JSON.stringify(answer)).not.toContain('doubled');
    expect(JSON.stringify(answer)).not.toContain('Hank');

    // One request: only this deal's notes from the window, the narrative tool forced, no deal id.
    expect(api.requests).toHaveLength(1);
    const body = api.requests[0]?.body;
    expect(body?.tool_choice).toEqual({
      type: 'tool',
      name: 'record_narrative',
      disable_parallel_tool_use: true,
    });
    expect(body?.tools?.map((t) => (t as { name: string }).name)).toEqual(['record_narrative']);
    const raw = api.requests[0]?.raw ?? '';
    expect(raw).toContain('id=\\"n1\\"');
    expect(raw).toContain('id=\\"n2\\"');
    expect(raw).not.toContain('n3');
    expect(raw).not.toContain('"d1"');
    expect(api.violations).toEqual([]);
    expect(s.slack.violations).toEqual([]);
  });

  it('a narrative whose only quote is invented shows no narrative at all', async () => {
    s = await createDealSummaryHarness({ policyText: enable, narrator: narrator(), now: NOW });
    api.reply = () => ({
      kind: 'tool_input',
      input: {
        sentences: [{ text: 'Legal approved.', note_id: 'n2', quote: 'legal approved the MSA' }],
      },
    });
    const answer = (await s.command('d1')).responses[0];
    expect(narrativeOf(answer)).toBeUndefined();
    expect(JSON.stringify(answer)).toContain('*Qualification*');
  });

  it('when Claude fails, the structured answer stands alone', async () => {
    s = await createDealSummaryHarness({ policyText: enable, narrator: narrator(), now: NOW });
    api.queue.push({ kind: 'error', status: 500, type: 'api_error', message: 'boom' });
    const answer = (await s.command('d1')).responses[0];
    expect(narrativeOf(answer)).toBeUndefined();
    expect(JSON.stringify(answer)).toContain('*Qualification*');
    expect(api.requests).toHaveLength(1);
  });

  it('no call without the policy switch, nor for a deal with no notes in the window', async () => {
    s = await createDealSummaryHarness({ narrator: narrator(), now: NOW });
    expect(narrativeOf((await s.command('d1')).responses[0])).toBeUndefined();
    await s.close();
    s = await createDealSummaryHarness({
      policyText: enable,
      narrator: narrator(),
      now: new Date('2027-03-01T00:00:00Z'),
    });
    expect(narrativeOf((await s.command('d1')).responses[0])).toBeUndefined();
    expect(api.requests).toHaveLength(0);
  });
});
