import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createDealSummaryHarness,
  type DealSummaryHarness,
} from '../support/deal-summary-harness.js';
import { OWNER, STRANGER } from '../support/slack-harness.js';

describe('/deal-summary viewers (policy `viewers:`)', () => {
  let s: DealSummaryHarness;
  beforeAll(async () => {
    s = await createDealSummaryHarness({
      policyText: (t) => t.replace('ops_admins:', `viewers: [${OWNER}]\nops_admins:`),
    });
  });
  afterAll(async () => {
    await s.close();
  });

  it('someone not among the viewers is refused in an ephemeral answer that shows no deal data', async () => {
    const r = await s.command('d1', STRANGER);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.ack)).toMatchObject({ response_type: 'ephemeral' });
    expect(r.ack).toContain('limited to the people listed under `viewers`');
    expect(r.responses).toEqual([]);
  });

  it('a listed viewer gets the summary', async () => {
    const r = await s.command('d1', OWNER);
    expect(r.ack).not.toContain('viewers');
    expect(JSON.stringify(r.responses[0])).toContain('Acme');
  });

  it('the buttons of an answer refuse a non-viewer too', async () => {
    const responses = await s.act(
      {
        type: 'button',
        action_id: 'deal_summary_share',
        value: JSON.stringify({ d: 'd1' }),
        action_ts: '1.1',
      },
      STRANGER,
    );
    expect(JSON.stringify(responses)).toContain('limited to the people listed under `viewers`');
    expect(JSON.stringify(responses)).not.toContain('Acme');
  });
});
