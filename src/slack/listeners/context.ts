import type * as bolt from '@slack/bolt';
import type { WebClient } from '@slack/web-api';
import { type RefreshedValue, refreshedValue } from '../../concurrency/refreshed-value.js';
import type { ProposalRow } from '../../domain/proposal.js';
import type { Logger } from '../../logger.js';
import { type CrmCatalog, type DecideDeps, readCatalog } from '../../services/decide-proposal.js';
import type { Notifier } from '../../services/ports/notifier.js';
import { viewProposal } from '../../services/proposal-view.js';
import type { SlackAppDeps } from '../app.js';
import { createHomePublisher } from '../app-home.js';
import { approverGroupMembership, type GroupMembership } from '../approver-groups.js';
import { type Background, createBackground } from '../background.js';
import { ephemeralOf } from '../ephemeral.js';
import type { SlackLimits } from '../limited-client.js';
import { createNotifier, slackOwnerOf } from '../notifier.js';

/** What every listener module shares: the app's dependencies and the parts built once from them. */
export interface ListenerContext {
  readonly deps: SlackAppDeps;
  readonly client: WebClient;
  readonly log: Logger;
  readonly background: Background;
  readonly notifier: Notifier;
  readonly inApproverGroup: GroupMembership;
  readonly decideDeps: DecideDeps & { readonly catalog: RefreshedValue<CrmCatalog> };
  readonly ephemeral: ReturnType<typeof ephemeralOf>;
  /** True for the first of a key's calls in a minute (every serve sharing the limits): one "already decided" per person per card. */
  readonly firstInAMinute: (key: string) => Promise<boolean>;
  /** A proposal as its card shows it now. */
  readonly view: (row: ProposalRow) => ReturnType<typeof viewProposal>;
  /** After a decision: the Home tabs of the person and of the deal's owner show what is left. */
  readonly refreshHomes: (...users: Array<string | null | undefined>) => void;
}

export function createListenerContext(
  app: bolt.App,
  deps: SlackAppDeps,
  log: Logger,
  limits: SlackLimits,
): ListenerContext {
  const client = app.client;
  const background = createBackground(log);
  const notifier =
    deps.notifier ??
    createNotifier({
      client,
      proposals: deps.proposals,
      crm: deps.crm,
      policy: deps.policy,
      logger: log,
      ...(deps.opsChannel ? { opsChannel: deps.opsChannel } : {}),
      ...(deps.approvalsChannel ? { approvalsChannel: deps.approvalsChannel } : {}),
      ...(deps.minPostIntervalMs !== undefined ? { minIntervalMs: deps.minPostIntervalMs } : {}),
      ...(deps.promotion ? { suggestions: deps.promotion.suggestions } : {}),
      ...(deps.writeNotices ? { writeNotices: deps.writeNotices } : {}),
      ...(deps.runDigest ? { runDigest: deps.runDigest } : {}),
    });
  const inApproverGroup = approverGroupMembership(
    client,
    deps.policy.approverGroups,
    log,
    deps.clock,
  );
  const view = (row: ProposalRow) => viewProposal(deps.crm, deps.policy, row);
  const homes = deps.home
    ? createHomePublisher({
        home: deps.home,
        crm: deps.crm,
        policy: deps.policy,
        client,
        inApproverGroup,
        logger: log,
      })
    : null;
  return {
    deps,
    client,
    log,
    background,
    notifier,
    inApproverGroup,
    decideDeps: decideDepsOf(deps, client, inApproverGroup, view, log),
    ephemeral: ephemeralOf(client),
    firstInAMinute: (key) => limits.firstIn(key, 60_000),
    view,
    refreshHomes: (...users) => {
      if (!homes) return;
      for (const user of new Set(users.filter((u): u is string => !!u)))
        background.run('publish-home', () => homes.publish(user));
    },
  };
}

/** How long an edit is checked against the same CRM definitions and users before they are read again. */
const CATALOG_TTL_MS = 5 * 60_000;

/** How a decision is authorised and recorded; repeated refusals are counted in the app log. */
function decideDepsOf(
  deps: SlackAppDeps,
  client: WebClient,
  inApproverGroup: GroupMembership,
  view: ListenerContext['view'],
  log: Logger,
): ListenerContext['decideDeps'] {
  let deniedRepeats = 0;
  return {
    inApproverGroup,
    approverGroupsLoaded: inApproverGroup.loaded,
    // Read when an Edit… form opens, so its submission is checked without the CRM.
    catalog: refreshedValue({
      load: () => readCatalog(deps.crm),
      ttlMs: CATALOG_TTL_MS,
      now: () => deps.clock().getTime(),
      onRefreshError: (error) =>
        log.warn({ err: (error as Error).message }, 'CRM property definitions not refreshed'),
    }),
    // Cards made while the owner was unknown: the owner is looked up at the click.
    resolveOwner: async (row: ProposalRow) => slackOwnerOf(client, await view(row), log),
    crm: deps.crm,
    proposals: deps.proposals,
    policy: deps.policy,
    clock: deps.clock,
    onDeniedRepeat: (attempt) => {
      deniedRepeats++;
      log.warn(
        {
          user: attempt.userId,
          proposal_id: attempt.proposalId,
          tried: attempt.tried,
          repeats: deniedRepeats,
        },
        'refused a repeated unauthorised attempt (already logged as denied within 10 minutes)',
      );
    },
  };
}
