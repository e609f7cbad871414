import type * as bolt from '@slack/bolt';
import type { SlackAppDeps } from '../app.js';
import {
  ACTION_APPROVE,
  ACTION_EDIT,
  ACTION_REJECT,
  ACTION_UNDO,
} from '../blocks/approval-card.js';
import { ACTION_PICK, ACTION_SHARE, ACTION_WHY } from '../blocks/deal-summary-format.js';
import { EDIT_MODAL } from '../blocks/edit-modal.js';
import { ACTION_REJECT_REASON, REJECT_OTHER_MODAL } from '../blocks/reject-reason.js';
import { ACTION_UNDO_RUN } from '../blocks/undo-run-confirm.js';
import type { Handled } from '../request-gate.js';
import { registerApprovalButtons } from './approval-buttons.js';
import type { ListenerContext } from './context.js';
import { registerDealSummaryCommand } from './deal-summary.js';
import { registerEditModal } from './edit-modal.js';
import { registerHomeTab } from './home-tab.js';
import { PROMOTION_ACTIONS, registerPromotionButtons } from './promotion-buttons.js';
import { registerRejectReason } from './reject-reason.js';
import { RUN_SUMMARY_ACTIONS, registerRunSummaryButtons } from './run-summary-buttons.js';
import { registerScoutCommand } from './scout-command.js';
import { registerUndoButton } from './undo-button.js';
import { registerUndoRunButton } from './undo-run.js';

/** What the listeners below answer; the request gate lets nothing else reach Bolt. */
export function handledBy(deps: Pick<SlackAppDeps, 'home'>): Handled {
  return {
    action: (id) =>
      [
        ACTION_APPROVE,
        ACTION_REJECT,
        ACTION_EDIT,
        ACTION_UNDO,
        ACTION_UNDO_RUN,
        ACTION_SHARE,
        ACTION_WHY,
        ACTION_REJECT_REASON,
        ...PROMOTION_ACTIONS,
        ...RUN_SUMMARY_ACTIONS,
      ].includes(id) || new RegExp(`^${ACTION_PICK}_\\d+$`).test(id),
    views: new Set([EDIT_MODAL, REJECT_OTHER_MODAL]),
    commands: new Set(['/scout', '/deal-summary']),
    ...(deps.home ? { events: new Set(['app_home_opened']) } : {}),
  };
}

/** Every listener of the app; the optional ones only when their dependencies are given. */
export function registerListeners(app: bolt.App, ctx: ListenerContext): void {
  const { deps, client, background, notifier, log } = ctx;
  registerHomeTab(app, ctx);
  registerApprovalButtons(app, ctx);
  registerRejectReason(app, {
    decideDeps: ctx.decideDeps,
    proposals: deps.proposals,
    client,
    background,
    refreshCard: async (row) => notifier.refreshCard(await ctx.view(row)),
    logger: log,
  });
  registerEditModal(app, ctx);
  // Without undo deps the run button is still answered: it says undo is not set up here.
  registerUndoRunButton(app, ctx);
  if (deps.undo)
    registerUndoButton(app, {
      ...deps.undo,
      client,
      background,
      notifier,
      proposals: deps.proposals,
      crm: deps.crm,
      policy: deps.policy,
      clock: deps.clock,
      logger: log,
      ...(deps.writeNotices ? { notices: deps.writeNotices } : {}),
    });
  if (deps.promotion)
    registerPromotionButtons(app, {
      ...deps.promotion,
      crm: deps.crm,
      journal: deps.proposals.journal,
      policy: deps.policy,
      liveWrites: deps.liveWrites,
      isPaused: () => deps.control.isPaused(),
      client,
      notifier,
      background,
      inApproverGroup: ctx.inApproverGroup,
      clock: deps.clock,
      logger: log,
      afterChange: (user, offer) => ctx.refreshHomes(user, offer.ownerSlackId),
    });
  registerRunSummaryButtons(app, ctx);
  registerScoutCommand(app, ctx);
  registerDealSummaryCommand(app, ctx);
}
