import type { WebClient } from '@slack/web-api';
import { refreshedValue } from '../concurrency/refreshed-value.js';
import type { Logger } from '../logger.js';

const TTL_MS = 5 * 60_000;

/** Whether a Slack user is in one of the groups; `loaded()` says a check would not wait on Slack. */
export type GroupMembership = ((slackUserId: string) => Promise<boolean>) & {
  readonly loaded: () => boolean;
};

/**
 * Members of the policy's approver user groups, read with `usergroups.users.list`.
 * Only the very first check waits for Slack; afterwards a stale list is refreshed in the
 * background while the cached one answers, so a click's ack never waits on Slack.
 * If Slack cannot answer, nobody is let in through a group.
 */
export function approverGroupMembership(
  client: WebClient,
  groups: readonly string[],
  logger: Logger,
  clock: () => Date,
): GroupMembership {
  const members = refreshedValue({
    load: async () => {
      const next = new Set<string>();
      for (const usergroup of groups) {
        try {
          for (const u of (await client.usergroups.users.list({ usergroup })).users ?? [])
            next.add(u);
        } catch (error) {
          logger.warn(
            { usergroup, err: (error as Error).message },
            'cannot read approver group; its members are not approvers until it can be read',
          );
        }
      }
      return next;
    },
    ttlMs: TTL_MS,
    now: () => clock().getTime(),
    onRefreshError: (error) =>
      logger.warn({ err: (error as Error).message }, 'approver groups not refreshed'),
  });
  const check = async (slackUserId: string) => (await members.get()).has(slackUserId);
  return Object.assign(check, { loaded: members.loaded });
}

/** The policy's `viewers:`: a listed user id, or a member of a listed user group (read like approver groups). */
export function viewerCheck(
  client: WebClient,
  viewers: readonly string[],
  logger: Logger,
  clock: () => Date,
): (slackUserId: string) => Promise<boolean> {
  const users = new Set(viewers.filter((v) => !v.startsWith('S')));
  const groups = viewers.filter((v) => v.startsWith('S'));
  const inGroup = approverGroupMembership(client, groups, logger, clock);
  return async (slackUserId) =>
    users.has(slackUserId) || (groups.length > 0 && (await inGroup(slackUserId)));
}
