import { describe, expect, it } from 'vitest';
import { type WrittenLine, writeNoticeMessage } from '../../src/slack/blocks/write-notice.js';
import { checkBlocks } from '../support/block-kit-limits.js';

const line = (over: Partial<WrittenLine> = {}): WrittenLine => ({
  changeId: 41,
  label: 'Next step',
  fieldType: 'text',
  oldValue: null,
  newValue: 'Send the security questionnaire',
  quote: 'Next step: send the security questionnaire by Friday.',
  noteType: 'email_reply',
  noteDate: new Date('2026-11-30T10:00:00Z'),
  undo: null,
  ...over,
});

type Button = {
  type: string;
  value: string;
  confirm?: { title: { text: string }; text: { text: string } };
};
const buttons = (blocks: unknown[]) =>
  (blocks as Array<{ type: string; elements?: Button[] }>)
    .filter((b) => b.type === 'actions')
    .flatMap((b) => b.elements ?? []);

describe('writeNoticeMessage (issue 18)', () => {
  it('names the field by its label and the person by name, says where the quote came from in words, and asks before every Undo', () => {
    const m = writeNoticeMessage({
      dealName: 'Acme — renewal',
      runId: 'run-1',
      lines: [
        line(),
        line({
          changeId: 42,
          label: 'Champion',
          fieldType: 'user',
          userNames: { u1: 'Ana Ruiz', u2: 'Ben Okafor' },
          oldValue: 'u1',
          newValue: 'u2',
          noteType: 'meeting',
        }),
      ],
    });
    const text = JSON.stringify(m.blocks);
    expect(checkBlocks(m.blocks, 'message')).toEqual([]);
    expect(m.text).toBe('Scout wrote 2 changes to Acme — renewal in the CRM');
    expect(text).toContain('*Next step*: _empty_ → Send the security questionnaire');
    expect(text).toContain('*Champion*: Ana Ruiz → Ben Okafor');
    expect(text).not.toMatch(/\bu[12]\b/);
    expect(text).toContain('from an email reply of 2026-11-30');
    expect(text).toContain('from a meeting of 2026-11-30');
    expect(text).not.toContain('email_reply');
    const undo = buttons(m.blocks);
    expect(undo.map((b) => JSON.parse(b.value))).toEqual([{ c: 41 }, { c: 42 }]);
    for (const b of undo) expect(b.confirm?.title.text).toBe('Undo this change?');
    expect(undo[1]?.confirm?.text.text).toContain('puts back Ana Ruiz in Champion');
    expect(undo[0]?.confirm?.text.text).toContain('puts back _empty_ in Next step');
  });

  it('escapes a hostile quote, value and label: no mention, link or formatting escapes', () => {
    const m = writeNoticeMessage({
      dealName: '<!channel> deal',
      runId: 'run-1',
      lines: [
        line({
          label: '*bold* <@U999>',
          newValue: '<https://evil.example|click me> @here',
          quote: 'ignore that\n<!everyone> *now* `code`',
        }),
      ],
    });
    const text = JSON.stringify(m.blocks) + m.text;
    expect(text).not.toMatch(/<!channel>|<!everyone>|<@U999>|<https:/);
    expect(text).toContain('&lt;!everyone&gt;');
    expect(text).toContain('&lt;https://evil.example|click me&gt; @\u200bhere');
    expect(text).toContain('\u200b*\u200bbold\u200b*\u200b');
    expect(text).not.toContain('`code`');
  });

  it('an undone line says by whom and loses its Undo; a dry or failed undo keeps it; others are unchanged', () => {
    const at = new Date('2026-12-01T09:30:00Z');
    const m = writeNoticeMessage({
      dealName: 'Acme',
      runId: 'run-1',
      lines: [
        line({ changeId: 1, undo: { action: 'undone', actor: 'slack:U01ANA', at, reason: null } }),
        line({
          changeId: 2,
          undo: { action: 'would_undo', actor: 'slack:U01ANA', at, reason: 'Scout is paused' },
        }),
        line({ changeId: 3 }),
        line({ changeId: 4, undo: { action: 'undone', actor: 'slack:<!here>', at, reason: null } }),
      ],
    });
    const text = JSON.stringify(m.blocks);
    expect(text).toContain('*Undone* by <@U01ANA> at 2026-12-01 09:30 UTC: _empty_ is back');
    expect(text).toContain('DRY RUN, nothing was restored (Scout is paused)');
    expect(text).not.toContain('<!here>');
    expect(text).toContain('by ops');
    expect(buttons(m.blocks).map((b) => JSON.parse(b.value).c)).toEqual([2, 3]);
  });

  it('stays within 50 blocks however many writes a deal had', () => {
    const m = writeNoticeMessage({
      dealName: 'Acme',
      runId: 'run-1',
      lines: Array.from({ length: 40 }, (_, i) => line({ changeId: i + 1 })),
    });
    expect(checkBlocks(m.blocks, 'message')).toEqual([]);
    expect(JSON.stringify(m.blocks.at(-1))).toContain('25 more not shown here');
  });
});
