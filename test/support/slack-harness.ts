import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { createControlStore } from '../../src/db/control-store.js';
import { createHomeStore } from '../../src/db/home-store.js';
import { createProposalStore } from '../../src/db/proposal-store.js';
import { createRunDigestReader } from '../../src/db/run-digest-query.js';
import { createRunLedger } from '../../src/db/run-ledger.js';
import { createSuggestionStore } from '../../src/db/suggestion-store.js';
import { createUndoStore } from '../../src/db/undo-store.js';
import { createWriteNoticeStore } from '../../src/db/write-notice-store.js';
import type { RunningServer } from '../../src/http/health-server.js';
import { startHealthServer } from '../../src/http/health-server.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import type { Notifier } from '../../src/services/ports/notifier.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import { VALUE_ACTION, VALUE_BLOCK } from '../../src/slack/blocks/edit-modal.js';
import { createNotifier, type NotifierDeps } from '../../src/slack/notifier.js';
import { type ServeRuntimeOptions, startInlineServeRuntime } from './inline-runtime.js';
import { AUTO_NEXT_STEP_POLICY, createHarness, type ScoutHarness } from './scout-env.js';
import { commandBody, payloadBody, slackHeaders } from './slack-signing.js';
import { type SlackStandIn, startSlackStandIn } from './slack-stand-in.js';

export const SIGNING_SECRET = 'test-signing-secret-5c0u7';
export const OWNER = 'U01ANA';
export const APPROVER = 'U01LEAD';
export const OPS = 'U01OPS';
export const STRANGER = 'U0STRANGER';
export const APPROVER_GROUP = 'S0LEADS';
export const GROUP_MEMBER = 'U0GROUPIE';

/**
 * The default policy (next_step opted in to auto) with an approver and an ops admin, as a
 * file the CLI can read; `dryRunCards` sets who gets a dry run's cards (the policy's default: ops).
 */
export function testPolicyPath(dryRunCards?: 'ops' | 'owners'): string {
  const dir = mkdtempSync(join(tmpdir(), 'scout-policy-'));
  const path = join(dir, 'policy.yml');
  const text = readFileSync(AUTO_NEXT_STEP_POLICY, 'utf8')
    .replace('approvers: []', `approvers: [${APPROVER}]`)
    .replace('ops_admins: []', `ops_admins: [${OPS}]`)
    .replace('approver_groups: []', `approver_groups: [${APPROVER_GROUP}]`)
    .replace(/^objects:/m, dryRunCards ? `dry_run_cards: ${dryRunCards}\nobjects:` : 'objects:');
  writeFileSync(path, text);
  return path;
}

export type CardAction = 'scout_approve' | 'scout_reject' | 'scout_edit' | 'scout_undo';

/** What every interactivity payload from `user` in the test workspace carries. */
function fromUser(user: string) {
  return {
    type: 'block_actions',
    user: { id: user, username: user.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0SCOUT',
    token: 'legacy-verification-token',
    team: { id: 'T0TEST', domain: 'example' },
    trigger_id: `1337.${Date.now()}.${Math.random().toString(16).slice(2)}`,
    response_url: 'https://hooks.slack.com/actions/T0TEST/1/abc',
  };
}

const pressed = (button: { action_id: string; block_id: string; value: string }) => [
  { type: 'button', ...button, action_ts: `${Date.now() / 1000}` },
];

/** The interactivity payload Slack sends when `user` presses a button on a proposal's card. */
export function clickPayload(
  action: CardAction,
  p: Record<string, unknown>,
  user: string,
): Record<string, unknown> {
  const value = JSON.stringify({ p: p.id, v: p.version });
  return {
    ...fromUser(user),
    container: {
      type: 'message',
      message_ts: p.slack_ts ?? '1.1',
      channel_id: p.slack_channel ?? 'D01ANA',
      is_ephemeral: false,
    },
    channel: { id: p.slack_channel ?? 'D01ANA', name: 'directmessage' },
    message: { ts: p.slack_ts ?? '1.1', text: 'card' },
    actions: pressed({ action_id: action, block_id: 'decide', value }),
  };
}

/** `user` pressing a button on a message (or an ephemeral reply) in the ops channel, C0OPS. */
export function opsClickPayload(
  button: { action_id: string; block_id: string; value: string },
  user: string,
  options: { ephemeral?: boolean } = {},
) {
  return {
    ...fromUser(user),
    container: {
      type: 'message',
      message_ts: '1.1',
      channel_id: 'C0OPS',
      is_ephemeral: options.ephemeral ?? false,
    },
    channel: { id: 'C0OPS', name: 'scout-ops' },
    actions: pressed(button),
  };
}

/** A modal's submission as Slack sends it: `view` as opened, with `values` typed in by `user`. */
export function viewSubmission(
  view: object,
  user: string,
  values: Record<string, Record<string, { type: string; value: string }>>,
) {
  return {
    type: 'view_submission',
    team: { id: 'T0TEST', domain: 'example' },
    user: { id: user, username: user.toLowerCase(), team_id: 'T0TEST' },
    api_app_id: 'A0SCOUT',
    token: 'legacy-verification-token',
    trigger_id: `1337.${Date.now()}.${Math.random().toString(16).slice(2)}`,
    view: {
      ...view,
      id: `V${Math.random().toString(36).slice(2, 10).toUpperCase()}`,
      team_id: 'T0TEST',
      app_id: 'A0SCOUT',
      hash: `${Date.now()}.abc`,
      state: { values },
    },
    response_urls: [],
  };
}

/** The Edit… form's submission with `value` typed in by `user`. */
export const editSubmission = (view: object, user: string, value: string) =>
  viewSubmission(view, user, {
    [VALUE_BLOCK]: { [VALUE_ACTION]: { type: 'plain_text_input', value } },
  });

export interface SlackHarness {
  readonly h: ScoutHarness;
  readonly slack: SlackStandIn;
  readonly app: SlackApp;
  readonly server: RunningServer;
  readonly policyPath: string;
  readonly env: Record<string, string>;
  /** POSTs a raw body to the bot's real HTTP endpoint with the given headers. */
  post(body: string, headers: Record<string, string>): Promise<{ status: number; text: string }>;
  /** A correctly signed interactivity payload. */
  interact(payload: unknown): Promise<{ status: number; text: string }>;
  click(
    action: CardAction,
    proposalId: string,
    user: string,
  ): Promise<{ status: number; text: string }>;
  command(command: string, text: string, user: string): Promise<{ status: number; text: string }>;
  proposal(id: string): Promise<Record<string, unknown>>;
  proposals(): Promise<Array<Record<string, unknown>>>;
  /** Another process's notifier over the same database, policy and Slack (silent, no pace unless given). */
  anotherNotifier(extra?: Partial<NotifierDeps>): Notifier;
  /**
   * A second `serve` on the same database and Slack (docs/worker.md: several may run);
   * with `jobs`, its runtime is on that job system (BullMQ) instead of inline.
   */
  anotherServe(
    runtime?: Pick<ServeRuntimeOptions, 'jobs' | 'draws'>,
  ): Promise<Bot & Pick<SlackHarness, 'click' | 'interact'>>;
  close(): Promise<void>;
}

/**
 * A seeded database after one live run (two pending proposals), the Slack Web API
 * stand-in, and the real Bolt app behind the real HTTP server on a free port.
 */
export async function createSlackHarness(
  options: {
    liveWrites?: string;
    runArgs?: string[];
    undoWindowHours?: number;
    dryRunCards?: 'ops' | 'owners';
    /** Rewrites the policy file's text before the first run. */
    policy?: (text: string) => string;
    /** The first run posts its cards and summary to the stand-in, ops in C0OPS, as `scout run` does. */
    runPostsToSlack?: boolean;
  } = {},
): Promise<SlackHarness> {
  const policyPath = testPolicyPath(options.dryRunCards);
  if (options.policy) writeFileSync(policyPath, options.policy(readFileSync(policyPath, 'utf8')));
  const h = await createHarness();
  const slack = await startSlackStandIn();
  const env = { SCOUT_POLICY: policyPath, LIVE_WRITES: options.liveWrites ?? '1' };
  const slackEnv = options.runPostsToSlack
    ? { SLACK_BOT_TOKEN: slack.token, SLACK_API_URL: slack.url, SCOUT_OPS_CHANNEL: 'C0OPS' }
    : {};
  const run = await h.cli(['run', ...(options.runArgs ?? ['--apply'])], { ...env, ...slackEnv });
  // With Slack set up the run reports its posting on stderr; anything else there is a failure.
  if (run.code !== 0 || !/^(slack: [^\n]*\n?)?$/.test(run.stderr))
    throw new Error(`scout run exited ${run.code}: ${run.stderr}`);
  const bot = await startBot(h, slack, policyPath, env.LIVE_WRITES, options.undoWindowHours ?? 24);
  const { app, server, post } = bot;
  const proposal = async (id: string) => ({
    ...(await h.database.sql`select * from proposals where id = ${id}`)[0],
  });
  const others: Bot[] = [];
  const harness: SlackHarness = {
    h,
    slack,
    app,
    server,
    policyPath,
    env,
    post,
    interact: (payload) => {
      const body = payloadBody(payload);
      return post(body, slackHeaders(body, SIGNING_SECRET));
    },
    click: async (action, proposalId, user) =>
      harness.interact(clickPayload(action, await proposal(proposalId), user)),
    command: (command, text, user) => {
      const body = commandBody({
        token: 'legacy',
        team_id: 'T0TEST',
        channel_id: 'C0OPS',
        user_id: user,
        command,
        text,
        response_url: 'https://hooks.slack.com/commands/1',
        trigger_id: '1.2.3',
        api_app_id: 'A0SCOUT',
      });
      return post(body, slackHeaders(body, SIGNING_SECRET));
    },
    proposal,
    proposals: async () =>
      (await h.database.sql`select * from proposals order by record_id`).map((r) => ({ ...r })),
    anotherNotifier: (extra = {}) =>
      createNotifier({
        client: app.client,
        proposals: createProposalStore(h.database.db),
        crm: createLocalCrm(h.database.db),
        policy: loadPolicyFile(policyPath),
        logger: pino({ level: 'silent' }),
        minIntervalMs: 0,
        ...extra,
      }),
    anotherServe: async (runtime = {}) => {
      const other = await startBot(
        h,
        slack,
        policyPath,
        env.LIVE_WRITES,
        options.undoWindowHours ?? 24,
        runtime,
      );
      others.push(other);
      const interact = (payload: unknown) => {
        const body = payloadBody(payload);
        return other.post(body, slackHeaders(body, SIGNING_SECRET));
      };
      return {
        ...other,
        interact,
        click: async (action, proposalId, user) =>
          interact(clickPayload(action, await proposal(proposalId), user)),
      };
    },
    close: async () => {
      for (const other of others) await other.stop();
      await bot.stop();
      await slack.close();
      await h.database.destroy();
    },
  };
  return harness;
}

/** What `scout serve` runs: the Bolt app on its HTTP server, with its own inline runtime. */
export interface Bot {
  readonly app: SlackApp;
  readonly server: RunningServer;
  post(body: string, headers: Record<string, string>): Promise<{ status: number; text: string }>;
  stop(): Promise<void>;
}

/** One `serve` over the harness's database and Slack: nothing shared with another but those. */
async function startBot(
  h: ScoutHarness,
  slack: SlackStandIn,
  policyPath: string,
  liveWrites: string,
  undoWindowHours: number,
  runtimeOptions: Pick<ServeRuntimeOptions, 'jobs' | 'draws'> = {},
): Promise<Bot> {
  const db = h.database.db;
  const control = createControlStore(db);
  const proposals = createProposalStore(db);
  const policy = loadPolicyFile(policyPath);
  const runtime = await startInlineServeRuntime({
    database: h.database,
    policy,
    liveWrites,
    slack,
    ...runtimeOptions,
  });
  const app = createSlackApp({
    jobs: runtime,
    signingSecret: SIGNING_SECRET,
    botToken: slack.token,
    apiUrl: slack.url,
    crm: createLocalCrm(db),
    proposals,
    control,
    policy,
    liveWrites,
    clock: () => new Date(),
    logger: pino({ level: 'silent' }),
    opsChannel: 'C0OPS',
    minPostIntervalMs: 0,
    promotion: { suggestions: createSuggestionStore(db), withDealLock: h.database.dealLock },
    writeNotices: createWriteNoticeStore(db),
    home: createHomeStore(db),
    runDigest: createRunDigestReader(db),
    undo: {
      windowHours: undoWindowHours,
      undo: {
        crm: createLocalCrm(db),
        ledger: createRunLedger(db),
        store: createUndoStore(db),
        liveWrites,
        clock: () => new Date(),
        newId: () => randomUUID(),
        logger: pino({ level: 'silent' }),
        withDealLock: h.database.dealLock,
      },
    },
  });
  const server = await startHealthServer({
    port: 0,
    host: '127.0.0.1',
    checks: [],
    logger: pino({ level: 'silent' }),
    slack: (req, res) => app.handle(req, res),
  });
  const base = `http://127.0.0.1:${server.port}/slack/events`;
  const post = async (body: string, headers: Record<string, string>) => {
    const res = await fetch(base, { method: 'POST', headers, body });
    return { status: res.status, text: await res.text() };
  };
  return {
    app,
    server,
    post,
    stop: async () => {
      await app.idle();
      await runtime.stop(5_000);
      await server.close();
    },
  };
}
