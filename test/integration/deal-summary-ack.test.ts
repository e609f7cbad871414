import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmPort } from '../../src/services/ports/crm.js';
import {
  createDealSummaryHarness,
  type DealSummaryHarness,
} from '../support/deal-summary-harness.js';

/**
 * A CRM whose deal reads wait on a promise the test holds: `hold()` makes every read
 * from then on wait (`reached` resolves once one is waiting), `release()` lets them
 * through, `fail()` makes them throw.
 */
function valve() {
  let gate: Promise<void> | null = null;
  let open = () => {};
  let refuse: (error: Error) => void = () => {};
  let arrived = () => {};
  let reached = Promise.resolve();
  return {
    wrap(crm: CrmPort): CrmPort {
      return {
        ...crm,
        pageDeals: async (options) => {
          if (gate) {
            arrived();
            await gate;
          }
          return crm.pageDeals(options);
        },
      };
    },
    hold() {
      reached = new Promise<void>((r) => {
        arrived = r;
      });
      gate = new Promise<void>((resolve, reject) => {
        open = resolve;
        refuse = reject;
      });
      // Nobody may be waiting yet when the test fails the gate.
      gate.catch(() => {});
    },
    get reached() {
      return reached;
    },
    release() {
      gate = null;
      open();
    },
    /** Fails the waiting reads, and every read after them until the next hold or release. */
    fail(error: Error) {
      refuse(error);
    },
  };
}

type Block = { type: string; text?: { text: string } };
const header = (r: Record<string, unknown> | undefined) =>
  ((r?.blocks ?? []) as Block[]).find((b) => b.type === 'header')?.text?.text;

describe('Slack’s 3 s limit never waits on the CRM: the ack comes first, the answer on response_url', () => {
  const crm = valve();
  let s: DealSummaryHarness;
  beforeAll(async () => {
    s = await createDealSummaryHarness({ wrapCrm: (c) => crm.wrap(c) });
  });
  afterAll(async () => {
    crm.release();
    await s.close();
  });

  it('a command is acked (HTTP 200, empty) while the CRM read is still pending', async () => {
    crm.hold();
    const sent = await s.sendCommand('d1');
    await crm.reached;
    // The CRM has not answered, yet Slack has its ack and nothing else.
    expect(sent).toMatchObject({ status: 200, ack: '' });
    expect(s.responsesOf(sent.id)).toEqual([]);

    crm.release();
    await s.app.idle();
    const answers = s.responsesOf(sent.id);
    expect(answers).toHaveLength(1);
    expect(header(answers[0])).toBe('Acme — 2027 renewal');
  });

  it('Share in channel is acked while the CRM read is still pending', async () => {
    crm.hold();
    const sent = await s.sendAction({
      type: 'button',
      action_id: 'deal_summary_share',
      value: JSON.stringify({ d: 'd2' }),
    });
    await crm.reached;
    expect(sent).toMatchObject({ status: 200, ack: '' });
    expect(s.responsesOf(sent.id)).toEqual([]);

    crm.release();
    await s.app.idle();
    const answers = s.responsesOf(sent.id);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ response_type: 'in_channel' });
    expect(header(answers[0])).toBe('Globex — platform expansion');
  });

  it('a CRM that fails after the ack: the manager is told, not left waiting', async () => {
    crm.hold();
    const sent = await s.sendCommand('globex');
    await crm.reached;
    expect(sent).toMatchObject({ status: 200, ack: '' });
    crm.fail(new Error('CRM unreachable'));
    await s.app.idle();
    expect(s.responsesOf(sent.id)).toEqual([
      {
        response_type: 'ephemeral',
        replace_original: false,
        text: ':warning: Scout could not build this answer right now (the CRM or the database did not answer). Try again in a minute.',
      },
    ]);

    const why = await s.act({
      type: 'static_select',
      action_id: 'deal_summary_why',
      selected_option: {
        text: { type: 'plain_text', text: 'Close date' },
        value: JSON.stringify({ d: 'd1', f: 'closedate' }),
      },
    });
    expect(why).toHaveLength(1);
    expect(why[0]?.text).toMatch(/^:warning: Scout could not build this answer right now/);
    crm.release();
    expect(s.slack.violations).toEqual([]);
  });
});
