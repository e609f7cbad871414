import type * as bolt from '@slack/bolt';
import { fieldLabel } from '../../domain/for-people.js';
import { ScoutError } from '../../errors.js';
import { viewProposals } from '../../services/proposal-view.js';
import { previewRunUndo, type UndoSummary, undoChanges } from '../../services/undo-run.js';
import { ACTION_UNDO_RUN, undoRunConfirm } from '../blocks/undo-run-confirm.js';
import { runButton } from './button-values.js';
import type { ListenerContext } from './context.js';

type Reply = { text: string; blocks?: ReturnType<typeof undoRunConfirm>['blocks'] };

const NOT_SET_UP =
  'Undo from Slack is not set up in this process; ops can run `scout undo --run <run id>`.';

/** Why an undo would be a dry run now: the same gates `scout undo --run` passes. */
async function closedGate(ctx: ListenerContext): Promise<string | null> {
  if (ctx.deps.undo?.undo.liveWrites !== '1') return 'LIVE_WRITES is not 1';
  if (await ctx.deps.control.isPaused()) return 'Scout is paused (`/scout resume` lifts it)';
  return null;
}

/**
 * `/scout undo <run id>` (ops admins; the caller checked): nothing happens yet. The answer
 * says what the undo would put back and through which gates, and carries the button
 * (with Slack's confirmation dialog) that does it.
 */
export async function undoRunCommand(ctx: ListenerContext, runId: string): Promise<Reply> {
  const undo = ctx.deps.undo;
  if (!undo) return { text: NOT_SET_UP };
  if (!runId)
    return {
      text: 'Usage: `/scout undo <run id>` (the id is in the run summary in the ops channel)',
    };
  let preview: Awaited<ReturnType<typeof previewRunUndo>>;
  try {
    preview = await previewRunUndo(undo.undo.store, runId);
  } catch (error) {
    if (error instanceof ScoutError) return { text: `${error.message}.` };
    throw error;
  }
  if (preview.nothing) return { text: `Nothing to undo: ${preview.nothing}.` };
  const ids = [...new Set(preview.changes.map((c) => c.recordId))];
  const { deals } = await ctx.deps.crm.pageDeals({ cursor: null, limit: ids.length, ids });
  const names = new Map(deals.map((d) => [d.id, d.name]));
  return undoRunConfirm({
    runId,
    // Newest first, as the undo restores them.
    changes: [...preview.changes].reverse().map((c) => ({
      deal: names.get(c.recordId) ?? c.recordId,
      field: fieldLabel(c.field, ctx.deps.policy.dealFields.get(c.field)?.label, null),
      wrote: c.newValue ?? null,
      restore: c.previousValue ?? null,
    })),
    alreadyUndone: preview.alreadyUndone,
    openProposals: preview.openProposals,
    dryBecause: await closedGate(ctx),
  });
}

/** What an undo of a run did, in one line for the admin who asked. */
export function runUndoNote(summary: UndoSummary): string {
  const c = summary.counts;
  const expired = summary.undo.expired_proposals + summary.undo.unapplied_approvals;
  const stopped = expired > 0 ? `; ${expired} open proposal(s) expired` : '';
  if (summary.mode === 'dry_run')
    return `DRY RUN, nothing was restored (${summary.warnings.join('; ') || 'a write gate is closed'}): ${c.would_undo} change(s) would be put back`;
  return `${c.undone} restored, ${c.conflict} left alone (changed since), ${c.failed} failed${stopped}`;
}

/**
 * The confirmation's button: the click is checked again (an ops admin, from the signed
 * payload), the undo runs as `scout undo --run` does through the write gates, the run's
 * expired cards lose their buttons, and the summary goes to the ops channel.
 */
export function registerUndoRunButton(app: bolt.App, ctx: ListenerContext): void {
  const { deps, log } = ctx;
  async function onUndoRun(user: string, channel: string | undefined, value: string | undefined) {
    const parsed = runButton.safeParse(value);
    if (!parsed.success) return;
    const runId = parsed.data.r;
    if (!deps.policy.opsAdmins.includes(user)) {
      log.warn({ user, run_id: runId }, 'refused an undo of a run to someone not among ops_admins');
      return ctx.ephemeral(
        channel,
        user,
        'Only Scout ops admins (ops_admins in the field policy) can undo a run. Your attempt was logged.',
      );
    }
    const undo = deps.undo;
    if (!undo) return ctx.ephemeral(channel, user, NOT_SET_UP);
    let summary: UndoSummary;
    let expired: Awaited<ReturnType<typeof undoChanges>>['expired'];
    try {
      ({ summary, expired } = await undoChanges(undo.undo, {
        target: { run_id: runId },
        apply: true,
        actor: `slack:${user}`,
      }));
    } catch (error) {
      log.error(
        { err: (error as Error).message, run_id: runId },
        'undo of a run from Slack failed',
      );
      return ctx.ephemeral(
        channel,
        user,
        `The undo did not finish: ${(error as Error).message}. Retry, or run \`scout undo --run ${runId}\` (an undo never restores twice).`,
      );
    }
    for (const view of await viewProposals(deps.crm, deps.policy, expired))
      await ctx.notifier.refreshCard(view);
    await ctx.notifier.postRunSummary(summary);
    await ctx.ephemeral(channel, user, `Undo of run ${runId}: ${runUndoNote(summary)}.`);
  }

  app.action<bolt.BlockButtonAction>(
    { action_id: ACTION_UNDO_RUN },
    async ({ ack, body, action }) => {
      await ack();
      ctx.background.run('undo-run', () => onUndoRun(body.user.id, body.channel?.id, action.value));
    },
  );
}
