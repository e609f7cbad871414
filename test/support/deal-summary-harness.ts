import { readFileSync, writeFileSync } from 'node:fs';
import { pino } from 'pino';
import { createLocalCrm } from '../../src/crm/local-crm.js';
import { openDatabase } from '../../src/db/client.js';
import { createControlStore } from '../../src/db/control-store.js';
import { createDealHistoryReader } from '../../src/db/deal-history-reader.js';
import { createProposalStore } from '../../src/db/proposal-store.js';
import type { Policy } from '../../src/domain/policy.js';
import type { RunningServer } from '../../src/http/health-server.js';
import { startHealthServer } from '../../src/http/health-server.js';
import type { Runtime } from '../../src/jobs/runtime.js';
import { loadPolicyFile } from '../../src/policy-file.js';
import type { CrmPort, CrmWriter } from '../../src/services/ports/crm.js';
import { createSlackApp, type SlackApp } from '../../src/slack/app.js';
import type { NarratorPort } from '../../src/summary/narrative.js';
import { readOnlyCrm } from '../../src/summary/summary-ports.js';
import { startInlineServeRuntime } from './inline-runtime.js';
import { databaseUrl, uniqueName, withAdmin } from './postgres.js';
import { createHarness, type ScoutHarness } from './scout-env.js';
import { SIGNING_SECRET, testPolicyPath } from './slack-harness.js';
import { commandBody, payloadBody, slackHeaders } from './slack-signing.js';
import { type SlackStandIn, startSlackStandIn } from './slack-stand-in.js';

export const MANAGER = 'U0MANAGER';

export interface DealSummaryHarness {
  readonly h: ScoutHarness;
  readonly slack: SlackStandIn;
  readonly app: SlackApp;
  readonly policy: Policy;
  /** Calls of the CRM's write members made through the summary's CRM (each one throws). */
  readonly crmWriteAttempts: string[];
  /** A connection as the select-only role, to prove the role cannot write. */
  readonly readOnlySql: ReturnType<typeof openDatabase>['sql'];
  /** Sends a signed `/deal-summary`; returns the HTTP answer (the ack) and what reached its response_url. */
  command(
    text: string,
    user?: string,
  ): Promise<{ status: number; ack: string; responses: Array<Record<string, unknown>> }>;
  /**
   * Sends a signed `/deal-summary` and returns as soon as the HTTP answer (the ack) is in,
   * without waiting for the work after it; `id` names its response_url.
   */
  sendCommand(text: string, user?: string): Promise<{ status: number; ack: string; id: string }>;
  /** Sends a signed block action from an ephemeral answer; returns what reached its response_url. */
  act(action: Record<string, unknown>, user?: string): Promise<Array<Record<string, unknown>>>;
  /** Sends a signed block action and returns once it is acknowledged, like {@link sendCommand}. */
  sendAction(
    action: Record<string, unknown>,
    user?: string,
  ): Promise<{ status: number; ack: string; id: string }>;
  /** What reached the response_url `id` so far. */
  responsesOf(id: string): Array<Record<string, unknown>>;
  close(): Promise<void>;
}

/**
 * A seeded database after one live run, with `/deal-summary` wired exactly as the
 * product wires it, except stricter: the CRM reader and the history reader run as a
 * Postgres role that holds SELECT and nothing else, and every write member of the CRM
 * port throws (and is recorded). Slack requests are signed and sent to the real HTTP endpoint.
 */
export async function createDealSummaryHarness(
  options: {
    policyText?: (text: string) => string;
    narrator?: NarratorPort;
    /** The summary's clock (the narrative's window is counted back from it). */
    now?: Date;
    /** The CRM's seed file (default: examples/pipeline.seed.json). */
    seed?: string;
    /** Wraps the summary's CRM reader (a test's slow or failing CRM); its writes still throw. */
    wrapCrm?: (crm: CrmPort) => CrmPort;
  } = {},
): Promise<DealSummaryHarness> {
  const policyPath = testPolicyPath();
  if (options.policyText)
    writeFileSync(policyPath, options.policyText(readFileSync(policyPath, 'utf8')));
  const h = await createHarness(options.seed ? { seed: options.seed } : {});
  await h.ok(['run', '--apply'], { SCOUT_POLICY: policyPath, LIVE_WRITES: '1' });
  const slack = await startSlackStandIn();
  const policy = loadPolicyFile(policyPath);

  const role = uniqueName('scout_ro');
  await h.database.sql.unsafe(`create role "${role}" login`);
  await h.database.sql.unsafe(`grant connect on database "${h.database.name}" to "${role}"`);
  await h.database.sql.unsafe(`grant usage on schema public to "${role}"`);
  await h.database.sql.unsafe(`grant select on all tables in schema public to "${role}"`);
  const roUrl = new URL(databaseUrl(h.database.name));
  roUrl.username = role;
  const readOnly = openDatabase(roUrl.toString(), { max: 2 });

  const crmWriteAttempts: string[] = [];
  const refuse = (member: string) => async (): Promise<never> => {
    crmWriteAttempts.push(member);
    throw new Error(`the summary called the CRM's ${member}`);
  };
  // Required: a member added to CrmWriter fails to compile here until it throws too.
  const writes: Required<CrmWriter> = {
    writeProperties: refuse('writeProperties'),
    restoreProperties: refuse('restoreProperties'),
    createProperty: refuse('createProperty'),
    propertyGroup: {
      name: 'scout',
      exists: refuse('propertyGroup.exists'),
      create: refuse('propertyGroup.create'),
    },
    // A count of requests sent, not a write.
    apiCalls: () => 0,
    atomic: {
      writeProperties: refuse('atomic.writeProperties'),
      restoreProperties: refuse('atomic.restoreProperties'),
    },
    // Run-summary warnings, not a write.
    takeWarnings: () => [],
  };
  const local = { ...createLocalCrm(readOnly.db), ...writes };
  const throwing: CrmPort = options.wrapCrm ? { ...options.wrapCrm(local), ...writes } : local;

  const db = h.database.db;
  const runtime: Runtime = await startInlineServeRuntime({
    database: h.database,
    policy,
    liveWrites: '1',
    slack,
  });
  const app = createSlackApp({
    jobs: runtime,
    signingSecret: SIGNING_SECRET,
    botToken: slack.token,
    apiUrl: slack.url,
    crm: createLocalCrm(db),
    proposals: createProposalStore(db),
    control: createControlStore(db),
    policy,
    liveWrites: '1',
    clock: () => new Date(),
    logger: pino({ level: 'silent' }),
    minPostIntervalMs: 0,
    dealSummary: {
      crm: readOnlyCrm(throwing),
      history: createDealHistoryReader(readOnly.db),
      policy,
      clock: () => options.now ?? new Date(),
      dealUrl: (id) => `https://crm.example.com/deals/${id}`,
      ...(options.narrator ? { narrator: options.narrator } : {}),
    },
  });
  const server: RunningServer = await startHealthServer({
    port: 0,
    host: '127.0.0.1',
    checks: [],
    logger: pino({ level: 'silent' }),
    slack: (req, res) => app.handle(req, res),
  });
  const post = async (body: string) => {
    const res = await fetch(`http://127.0.0.1:${server.port}/slack/events`, {
      method: 'POST',
      headers: slackHeaders(body, SIGNING_SECRET),
      body,
    });
    return { status: res.status, text: await res.text() };
  };
  let n = 0;
  const responsesOf = (id: string) => slack.responses.filter((r) => r.id === id).map((r) => r.body);
  const harness: DealSummaryHarness = {
    h,
    slack,
    app,
    policy,
    crmWriteAttempts,
    readOnlySql: readOnly.sql,
    responsesOf,
    async sendCommand(text, user = MANAGER) {
      const id = `cmd${++n}`;
      const r = await post(
        commandBody({
          token: 'legacy',
          team_id: 'T0TEST',
          team_domain: 'example',
          channel_id: 'C0SALES',
          channel_name: 'sales',
          user_id: user,
          command: '/deal-summary',
          text,
          response_url: slack.responseUrl(id),
          trigger_id: '1.2.3',
          api_app_id: 'A0SCOUT',
        }),
      );
      return { status: r.status, ack: r.text, id };
    },
    async command(text, user = MANAGER) {
      const r = await harness.sendCommand(text, user);
      await app.idle();
      return { status: r.status, ack: r.ack, responses: responsesOf(r.id) };
    },
    async sendAction(action, user = MANAGER) {
      const id = `act${++n}`;
      const r = await post(
        payloadBody({
          type: 'block_actions',
          user: { id: user, username: user.toLowerCase(), team_id: 'T0TEST' },
          api_app_id: 'A0SCOUT',
          token: 'legacy-verification-token',
          team: { id: 'T0TEST', domain: 'example' },
          trigger_id: '1.2.4',
          container: {
            type: 'message',
            message_ts: '1.1',
            channel_id: 'C0SALES',
            is_ephemeral: true,
          },
          channel: { id: 'C0SALES', name: 'sales' },
          response_url: slack.responseUrl(id),
          actions: [{ action_ts: `${Date.now() / 1000}`, block_id: 'summary_actions', ...action }],
        }),
      );
      return { status: r.status, ack: r.text, id };
    },
    async act(action, user = MANAGER) {
      const r = await harness.sendAction(action, user);
      if (r.status !== 200) throw new Error(`block action answered ${r.status}: ${r.ack}`);
      await app.idle();
      return responsesOf(r.id);
    },
    async close() {
      await app.idle();
      await runtime.stop(5_000);
      await server.close();
      await slack.close();
      await readOnly.close();
      await h.database.destroy();
      // The role outlives the database; dropping it keeps the cluster clean for the next run.
      await withAdmin((sql) => sql.unsafe(`drop role if exists "${role}"`));
    },
  };
  return harness;
}
