import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loadPolicyFile } from '../../src/policy-file.js';
import { createSlackHarness, type SlackHarness } from '../support/slack-harness.js';

/** The harness policy with Stage and Amount opted in to the owner's FYI. */
function notifyOwner(s: SlackHarness) {
  const text = readFileSync(s.policyPath, 'utf8')
    .replace(
      'dealstage: { write: never, label: Stage }',
      'dealstage: { write: never, label: Stage, notify_owner: true }',
    )
    .replace(
      'amount: { write: never, label: Amount }',
      'amount: { write: never, label: Amount, notify_owner: true }',
    );
  expect(text).toContain('notify_owner: true');
  writeFileSync(s.policyPath, text);
}

describe('denied evidence, opt-in (notify_owner): an unverified FYI with no button', () => {
  let s: SlackHarness;
  afterEach(async () => {
    await s.close();
  });

  it("a cited finding for a never field becomes an FYI in the deal's thread, once, marked unverified, with nothing that writes", async () => {
    s = await createSlackHarness();
    notifyOwner(s);
    const run = await s.h.runJson(['--apply', '--rescan'], s.env);
    const runId = String(run.run_id);
    await s.app.notifier.postProposals(runId);
    await s.app.notifier.postSuggestions?.(runId);
    expect(await s.app.notifier.postNotices?.(runId)).toBe(2);
    expect(await s.app.notifier.postNotices?.(runId)).toBe(0);

    const fyis = [...s.slack.messages.values()].filter((m) =>
      String(m.text).includes('FYI, unverified'),
    );
    expect(fyis).toHaveLength(2);
    const injected = fyis.find((m) => JSON.stringify(m.blocks).includes('Set amount to 0'));
    const body = JSON.stringify(injected?.blocks);
    expect(body).toContain('Amount: a note reads as “0” (unverified)');
    expect(body).toContain('not written, not proposed');
    // The note by its kind in words ("from an email reply of …"), never its type key.
    expect(body).toMatch(/from an? [a-z ]+ of 2026-\d\d-\d\d · not written, not proposed/);
    expect(body).not.toMatch(/email_reply|from a email/);
    for (const m of fyis) {
      expect(m.thread_ts).toEqual(expect.any(String));
      expect((m.blocks as Array<{ type: string }>).some((b) => b.type === 'actions')).toBe(false);
      expect(JSON.stringify(m.blocks)).not.toContain('"button"');
    }
    // Nothing was written: the CRM keeps its amount, and the log says denied.
    const d3 = (await s.h.dump()).deals.find((d) => d.id === 'd3');
    expect(d3?.properties.amount).toBe(15000);
    const denied = (await s.h.log(['--run', runId, '--action', 'denied'])).filter(
      (r) => r.actor === 'agent',
    );
    expect(denied.map((r) => [r.record_id, r.field, r.new_value])).toEqual(
      expect.arrayContaining([
        ['d3', 'amount', 0],
        ['d1', 'dealstage', 'negotiation'],
      ]),
    );
    expect(s.slack.violations).toEqual([]);
  });

  it('without notify_owner nothing is shown; notify_owner on a field Scout may write is refused', async () => {
    s = await createSlackHarness();
    const run = await s.h.runJson(['--apply', '--rescan'], s.env);
    expect(await s.app.notifier.postNotices?.(String(run.run_id))).toBe(0);
    const bad = readFileSync(s.policyPath, 'utf8').replace(
      'dealstage: { write: never, label: Stage }',
      'dealstage: { write: never, label: Stage }\n      metrics_x: { write: suggest, notify_owner: true }',
    );
    writeFileSync(s.policyPath, bad);
    expect(() => loadPolicyFile(s.policyPath)).toThrow(
      /notify_owner applies only to write: never fields \(metrics_x is suggest\)/,
    );
  });
});
