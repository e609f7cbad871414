import type * as bolt from '@slack/bolt';
import { formatRunSummary } from '../../domain/run-summary.js';
import { storedSummary } from '../../services/publish-run.js';
import {
  ACTION_SUMMARY_DETAILS,
  ACTION_SUMMARY_PAUSE,
  ACTION_SUMMARY_UNDO,
} from '../blocks/run-summary-message.js';
import { codeText, inlineCode, LIMITS } from '../blocks/text.js';
import { runButton } from './button-values.js';
import type { ListenerContext } from './context.js';
import { scoutCommand } from './scout-command.js';
import { undoRunCommand } from './undo-run.js';

export const RUN_SUMMARY_ACTIONS = [
  ACTION_SUMMARY_DETAILS,
  ACTION_SUMMARY_UNDO,
  ACTION_SUMMARY_PAUSE,
];

const OPS_ONLY =
  'Only Scout ops admins (ops_admins in the field policy) can pause Scout or undo a run. Your attempt was logged.';

/** The full printed summary, as `scout run` showed it: every action's count under its key. */
async function details(ctx: ListenerContext, runId: string): Promise<string> {
  const row = await ctx.deps.runDigest?.run(runId);
  if (!row)
    return `No details of that run here; \`${inlineCode(`scout log --run ${runId}`, 150)}\` lists what it did.`;
  return `\`\`\`${codeText(formatRunSummary(storedSummary(row)), LIMITS.sectionText - 6)}\`\`\``;
}

/**
 * The ops summary's buttons. Details is read-only and answers anyone; Pause and Undo
 * this run are `/scout pause` and `/scout undo <run>` for ops admins (checked here from
 * the signed payload, refused and logged otherwise): the same calls, so the same effect,
 * and Undo only shows the preview whose own button, with its confirmation, undoes.
 */
export function registerRunSummaryButtons(app: bolt.App, ctx: ListenerContext): void {
  const { deps, log } = ctx;
  async function onClick(
    action: string,
    user: string,
    channel: string | undefined,
    value?: string,
  ) {
    const parsed = runButton.safeParse(value);
    if (!parsed.success) return;
    const runId = parsed.data.r;
    if (action === ACTION_SUMMARY_DETAILS)
      return ctx.ephemeral(channel, user, await details(ctx, runId));
    if (!deps.policy.opsAdmins.includes(user)) {
      log.warn(
        { user, action, run_id: runId },
        'refused a run summary button to someone not among ops_admins',
      );
      return ctx.ephemeral(channel, user, OPS_ONLY);
    }
    if (action === ACTION_SUMMARY_PAUSE)
      return ctx.ephemeral(channel, user, await scoutCommand(deps, user, 'pause'));
    const reply = await undoRunCommand(ctx, runId);
    return ctx.ephemeral(channel, user, reply.text, reply.blocks);
  }

  for (const id of RUN_SUMMARY_ACTIONS)
    app.action<bolt.BlockButtonAction>({ action_id: id }, async ({ ack, body, action }) => {
      await ack();
      ctx.background.run('run-summary-button', () =>
        onClick(id, body.user.id, body.channel?.id, action.value),
      );
    });
}
