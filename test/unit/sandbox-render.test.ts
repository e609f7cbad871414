import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mrkdwn, renderBlocks, renderModal } from '../../src/sandbox/render-blocks.js';
import { approvalCard, type CardProposal } from '../../src/slack/blocks/approval-card.js';
import { editModal } from '../../src/slack/blocks/edit-modal.js';
import { escapeMrkdwn } from '../../src/slack/blocks/text.js';

const ctx = {
  userName: (id: string) => ({ U0ANA: 'Ana Ruiz' })[id] ?? id,
  users: [
    { id: 'U0ANA', name: 'Ana Ruiz' },
    { id: 'U0RAJ', name: 'Raj Patel' },
  ],
  message: { channel: 'D0ANA', ts: '1.000001' },
};

describe('sandbox mrkdwn', () => {
  it.each([
    ['*bold* and _italic_ and ~gone~', '<b>bold</b> and <i>italic</i> and <s>gone</s>'],
    ['`a*b*c`', '<code>a*b*c</code>'],
    ['snake_case_name stays', 'snake_case_name stays'],
    ['<@U0ANA> decided', '<span class="mention">@Ana Ruiz</span> decided'],
    ['<!here>', '<span class="mention">@here</span>'],
    [
      '<https://crm.example/d/1|Acme &amp; Co>',
      '<a href="https://crm.example/d/1" target="_blank" rel="noopener noreferrer">Acme &amp; Co</a>',
    ],
    ['<javascript:alert(1)|click>', 'click'],
    ['&lt;script&gt;alert(1)&lt;/script&gt;', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['> quoted\n> twice\nafter', '<blockquote>quoted<br>twice</blockquote>after'],
    ['```pre *not bold*```', '<pre>pre *not bold*</pre>'],
    [':white_check_mark: done :unknown_emoji:', '✅ done :unknown_emoji:'],
  ])('%s', (input, html) => {
    expect(mrkdwn(input, ctx)).toBe(html);
  });

  it('never lets note text become markup, whatever it holds', () => {
    fc.assert(
      fc.property(fc.string(), (note) => {
        const html = mrkdwn(escapeMrkdwn(note), ctx);
        const tags = html.match(/<\/?([a-z]+)/g) ?? [];
        // Only the renderer's own tags: the note can at most be bold, italic, struck or code.
        for (const t of tags)
          expect([
            '<b',
            '</b',
            '<i',
            '</i',
            '<s',
            '</s',
            '<code',
            '</code',
            '<br',
            '<blockquote',
            '</blockquote',
            '<pre',
            '</pre',
          ]).toContain(t);
        expect(html).not.toMatch(/<(script|img|a|iframe)\b/);
      }),
    );
  });
});

const proposal: CardProposal = {
  id: 'p1',
  version: 3,
  runId: '0f4c0000-0000-0000-0000-000000000000',
  dryRun: false,
  dealName: 'Acme <b>Corp</b>',
  dealUrl: null,
  fieldLabel: 'Close date',
  fieldType: 'date',
  oldValue: null,
  newValue: '2027-01-31',
  editedValue: null,
  quote: 'we sign by January 31 <script>',
  noteType: 'meeting',
  noteDate: new Date('2026-11-20T00:00:00Z'),
  confidence: 0.8,
  status: 'pending',
  decidedBy: null,
  decidedAt: null,
  outcome: null,
};

describe('sandbox Block Kit rendering of what Scout posts', () => {
  it('renders an approval card with working buttons and escaped note text', () => {
    const html = renderBlocks(approvalCard(proposal).blocks, ctx);
    expect(html).toContain('<b>Acme &lt;b&gt;Corp&lt;/b&gt;</b> · <b>Close date</b>');
    expect(html).toContain('<blockquote>we sign by January 31 &lt;script&gt;</blockquote>');
    expect(html).not.toContain('<script>');
    for (const id of ['scout_approve', 'scout_edit', 'scout_reject'])
      expect(html).toContain(`data-action-id="${id}"`);
    expect(html).toContain('data-value="{&quot;p&quot;:&quot;p1&quot;,&quot;v&quot;:3}"');
  });

  it.each([
    [
      'date',
      '<input type="date" data-block="value" data-action="value" name="value.value" value="2027-01-31">',
    ],
    [
      'number',
      '<input type="number" data-block="value" data-action="value" name="value.value" step="any" value="2027-01-31">',
    ],
    [
      'text',
      '<textarea data-block="value" data-action="value" name="value.value" maxlength="1000" rows="4">2027-01-31</textarea>',
    ],
  ] as const)('renders the edit modal input for a %s field', (fieldType, control) => {
    const view = editModal({
      proposal: { id: 'p1', version: 3 },
      dealName: 'Acme',
      fieldLabel: 'Close date',
      fieldType,
      proposedValue: '2027-01-31',
    });
    expect(renderModal(view as never, 'V1', {}, ctx)).toContain(control);
  });

  it('renders select and user inputs with their initial choice, and the bot errors', () => {
    const select = editModal({
      proposal: { id: 'p1', version: 3 },
      dealName: 'Acme',
      fieldLabel: 'Forecast',
      fieldType: 'enum',
      options: ['pipeline', 'commit'],
      proposedValue: 'commit',
    });
    expect(renderModal(select as never, 'V1', { value: 'Enter a value' }, ctx)).toMatch(
      /<option value="commit" selected>commit<\/option>.*role="alert">Enter a value</,
    );
    const user = editModal({
      proposal: { id: 'p1', version: 3 },
      dealName: 'Acme',
      fieldLabel: 'Sales engineer',
      fieldType: 'user',
      proposedValue: 'u_raj',
      proposedSlackUser: 'U0RAJ',
    });
    expect(renderModal(user as never, 'V1', {}, ctx)).toContain(
      '<option value="U0RAJ" selected>Raj Patel</option>',
    );
  });

  it('renders header, fields, context, divider, rich text quotes and lists', () => {
    const html = renderBlocks(
      [
        { type: 'header', text: { type: 'plain_text', text: 'LIVE <now>' } },
        { type: 'section', fields: [{ type: 'mrkdwn', text: '*Stage*\nproposal' }] },
        { type: 'divider' },
        { type: 'context', elements: [{ type: 'mrkdwn', text: ':mag: scanned' }] },
        {
          type: 'rich_text',
          elements: [
            { type: 'rich_text_quote', elements: [{ type: 'text', text: 'said <so>' }] },
            {
              type: 'rich_text_list',
              style: 'bullet',
              elements: [
                {
                  type: 'rich_text_section',
                  elements: [{ type: 'text', text: 'one', style: { bold: true } }],
                },
              ],
            },
          ],
        },
      ],
      ctx,
    );
    expect(html).toContain('<div class="blk header">LIVE &lt;now&gt;</div>');
    expect(html).toContain('<div class="field"><b>Stage</b><br>proposal</div>');
    expect(html).toContain('<hr class="blk divider">');
    expect(html).toContain('🔎 scanned');
    expect(html).toContain('<blockquote>said &lt;so&gt;</blockquote>');
    expect(html).toContain('<ul><li><b>one</b></li></ul>');
  });
});
