import type { WebClient } from '@slack/web-api';
import type { Logger } from '../logger.js';

const TTL_MS = 5 * 60_000;

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
) {
  let members: Set<string> | null = null;
  let loadedAt = 0;
  let refreshing: Promise<void> | null = null;
  const refresh = () => {
    refreshing ??= (async () => {
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
      members = next;
      loadedAt = clock().getTime();
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  };
  return async (slackUserId: string): Promise<boolean> => {
    if (members === null) await refresh();
    else if (clock().getTime() - loadedAt > TTL_MS) void refresh();
    return members?.has(slackUserId) ?? false;
  };
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
