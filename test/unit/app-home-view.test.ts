import { describe, expect, it } from 'vitest';
import type { CardProposal } from '../../src/services/ports/notifier.js';
import { appHomeView } from '../../src/slack/blocks/app-home.js';
import { checkView } from '../support/block-kit-limits.js';

const long = (c: string) => `${c}<&>*`.repeat(1000);
const card = (n: number): CardProposal => ({
  id: `p${n}`,
  version: 1,
  runId: 'run-1',
  dryRun: false,
  dealName: `${n % 3}:${long('D')}`,
  dealUrl: null,
  fieldLabel: long('L'),
  fieldType: 'text',
  oldValue: null,
  newValue: long('V'),
  editedValue: null,
  quote: long('Q'),
  noteType: 'call',
  noteDate: new Date('2026-11-20T00:00:00Z'),
  confidence: 0.8,
  status: 'pending',
  decidedBy: null,
  decidedAt: null,
  outcome: null,
});

describe('the App Home view at Slack limits', () => {
  it('40 long proposals and 12 deals of suggestions: within 100 blocks, unique block ids, the rest counted', () => {
    const view = appHomeView({
      proposals: Array.from({ length: 40 }, (_, n) => card(n)),
      suggestions: Array.from({ length: 12 }, (_, n) => ({
        runId: 'run-1',
        dealId: `d${n}`,
        dealName: long('N'),
        dryRun: false,
        offers: Array.from({ length: 3 }, (_, k) => ({
          id: `o${n}_${k}`,
          version: 1,
          label: long('L'),
          value: long('V'),
          quote: long('Q'),
          noteType: 'call',
          noteDate: null,
          confidence: 0.7,
          status: 'open' as const,
          decidedBy: null,
          outcome: null,
        })),
      })),
      team: {
        byRep: Array.from({ length: 300 }, (_, n) => ({
          owner: `U${n}`,
          pending: n,
          oldest: new Date('2026-11-01T00:00:00Z'),
        })),
        runs: [{ id: 'r1', mode: 'live', status: 'completed', startedAt: new Date(), scanned: 3 }],
      },
    });
    expect(view.type).toBe('home');
    expect(checkView(view as unknown as Record<string, unknown>)).toEqual([]);
    const ids = view.blocks.map((b) => b.block_id);
    expect(new Set(ids).size).toBe(ids.length);
    const text = JSON.stringify(view);
    expect(text).toMatch(/\d+ more proposal\(s\) in your DMs/);
    expect(text).toMatch(/Suggestions for \d+ more deal\(s\) in your DMs/);
    expect(text).toContain('Team: pending by rep, oldest first');
    expect(text).not.toContain('<&>');
  });
});

describe('the App Home view in people’s words', () => {
  it('names users, options and amounts, and notes by their kind, as the cards and suggestions do', () => {
    const view = appHomeView({
      proposals: [
        {
          ...card(1),
          dealName: 'Acme',
          fieldLabel: 'Champion',
          fieldType: 'user',
          field: 'champion',
          newValue: 'u_raj',
          userNames: { u_raj: 'Raj Patel' },
          noteType: 'email_reply',
        },
        {
          ...card(2),
          dealName: 'Acme',
          fieldLabel: 'Deal type',
          fieldType: 'enum',
          field: 'deal_type',
          newValue: 'newbusiness',
          optionLabels: { newbusiness: 'New business' },
        },
        {
          ...card(3),
          dealName: 'Acme',
          fieldLabel: 'Amount',
          fieldType: 'number',
          field: 'amount',
          newValue: 86000,
          currency: 'EUR',
        },
      ],
      suggestions: [
        {
          runId: 'run-1',
          dealId: 'd1',
          dealName: 'Acme',
          dryRun: false,
          offers: [
            {
              id: 'o1',
              version: 1,
              label: 'Economic buyer',
              value: 'Dana Whitfield',
              quote: 'Dana signs',
              noteType: 'email_reply',
              noteDate: new Date('2026-11-19T00:00:00Z'),
              confidence: 0.9,
              status: 'open' as const,
              decidedBy: null,
              outcome: null,
            },
          ],
        },
      ],
    });
    const text = JSON.stringify(view);
    expect(text).toContain('Raj Patel');
    expect(text).toContain('New business');
    expect(text).toContain('€86,000');
    expect(text).toContain('from an email reply of 2026-11-19 · confidence high · 0.90');
    expect(text).not.toMatch(/u_raj|newbusiness|86000|email_reply|email​_​reply|a email/);
  });
});
