import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSlackHarness,
  OWNER,
  SIGNING_SECRET,
  type SlackHarness,
} from '../support/slack-harness.js';
import { payloadBody, slackHeaders } from '../support/slack-signing.js';

describe('the Slack endpoint refuses what Slack did not send, and stays up', () => {
  let s: SlackHarness;
  let proposalId: string;
  let body: string;
  const writes = async () =>
    (
      (
        await s.h.database
          .sql`select (select count(*) from provenance)::int + (select count(*) from proposals where status <> 'pending')::int as n`
      )[0] as { n: number }
    ).n;

  beforeAll(async () => {
    s = await createSlackHarness();
    await s.app.notifier.postProposals((await s.proposals())[0]?.run_id as string);
    const p = (await s.proposals()).find((x) => x.field === 'closedate');
    proposalId = p?.id as string;
    body = payloadBody({
      type: 'block_actions',
      user: { id: OWNER, team_id: 'T0TEST' },
      api_app_id: 'A0SCOUT',
      team: { id: 'T0TEST' },
      trigger_id: '1.2.3',
      channel: { id: 'D01ANA' },
      container: { type: 'message', message_ts: '1.1', channel_id: 'D01ANA' },
      actions: [
        {
          type: 'button',
          action_id: 'scout_approve',
          block_id: 'decide',
          value: JSON.stringify({ p: proposalId, v: 1 }),
          action_ts: '1.1',
        },
      ],
    });
  });
  afterAll(async () => {
    await s.close();
  });

  const now = () => Math.floor(Date.now() / 1000);
  it.each([
    ['a bad signature', () => ({ body, headers: slackHeaders(body, 'not-the-secret') })],
    [
      'a tampered byte',
      () => ({
        body: body.replace('scout_approve', 'scout_approvf'),
        headers: slackHeaders(body, SIGNING_SECRET),
      }),
    ],
    [
      'a signature without the v0= prefix',
      () => {
        const headers = slackHeaders(body, SIGNING_SECRET);
        return {
          body,
          headers: {
            ...headers,
            'x-slack-signature': (headers['x-slack-signature'] ?? '').slice(3),
          },
        };
      },
    ],
    [
      'missing headers',
      () => ({ body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
    ],
    [
      'a timestamp six minutes old',
      () => ({ body, headers: slackHeaders(body, SIGNING_SECRET, now() - 360) }),
    ],
    [
      'a timestamp six minutes in the future',
      () => ({ body, headers: slackHeaders(body, SIGNING_SECRET, now() + 360) }),
    ],
  ])('401 for %s, and nothing is written', async (_name, request) => {
    const before = await writes();
    const { body: sent, headers } = request();
    const r = await s.post(sent, headers);
    expect(r.status).toBe(401);
    await s.app.idle();
    expect(await writes()).toBe(before);
    expect(await s.proposal(proposalId)).toMatchObject({ status: 'pending' });
  });

  it('malformed payloads, unknown actions and oversized bodies get 4xx or are ignored, and the process stays up', async () => {
    const before = await writes();
    const bad = 'payload=%7Bnot-json';
    expect((await s.post(bad, slackHeaders(bad, SIGNING_SECRET))).status).toBeGreaterThanOrEqual(
      400,
    );
    const unknown = payloadBody({
      type: 'block_actions',
      user: { id: OWNER },
      team: { id: 'T0TEST' },
      actions: [{ type: 'button', action_id: 'who_knows', value: 'x', action_ts: '1' }],
    });
    const u = await s.post(unknown, slackHeaders(unknown, SIGNING_SECRET));
    expect(u.status).toBeLessThan(500);
    const forged = payloadBody({
      type: 'block_actions',
      user: { id: OWNER },
      team: { id: 'T0TEST' },
      actions: [
        {
          type: 'button',
          action_id: 'scout_approve',
          value: '{"p":"x","v":"1","deal":"d2"}',
          action_ts: '1',
        },
      ],
    });
    expect((await s.post(forged, slackHeaders(forged, SIGNING_SECRET))).status).toBe(200);
    const huge = `payload=${'a'.repeat(300_000)}`;
    expect((await s.post(huge, slackHeaders(huge, SIGNING_SECRET))).status).toBe(413);
    await s.app.idle();
    expect(await writes()).toBe(before);
    expect((await fetch(`http://127.0.0.1:${s.server.port}/healthz`)).status).toBe(200);
  });

  it('a valid request replayed within five minutes is an idempotent no-op', async () => {
    const headers = slackHeaders(body, SIGNING_SECRET);
    expect((await s.post(body, headers)).status).toBe(200);
    await s.app.idle();
    const after = await writes();
    expect((await s.post(body, headers)).status).toBe(200);
    expect((await s.post(body, headers)).status).toBe(200);
    await s.app.idle();
    expect(await writes()).toBe(after);
    expect(
      (
        await s.h.database.sql`select count(*)::int as n from provenance where action = 'applied'`
      )[0]?.n,
    ).toBe(1);
  });
});
