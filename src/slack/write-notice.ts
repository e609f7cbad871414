import type { KnownBlock } from '@slack/types';
import type { WebClient } from '@slack/web-api';
import { fieldLabel } from '../domain/for-people.js';
import type { Policy } from '../domain/policy.js';
import type { ProvenanceRow } from '../domain/provenance.js';
import type { Logger } from '../logger.js';
import type { CrmReader, CrmUser } from '../services/ports/crm.js';
import type { WriteNoticeRow, WriteNoticeStore } from '../services/ports/write-notice-store.js';
import { safe } from './blocks/text.js';
import { type WriteUndo, type WrittenLine, writeNoticeMessage } from './blocks/write-notice.js';

/** What the write notice reads: the CRM for names and quotes' notes, the store for the writes and their undos. */
export interface WriteNoticeReads {
  readonly crm: CrmReader;
  readonly policy: Policy;
  readonly store: WriteNoticeStore;
}

/** The notifier's own parts a notice is posted through, so it shares their thread and pace. */
export interface WriteNoticePosting extends WriteNoticeReads {
  readonly client: WebClient;
  readonly logger: Logger;
  readonly ownerOf: (dealId: string, owner: CrmUser | null) => Promise<string | null>;
  readonly threadFor: (
    runId: string,
    dealId: string,
    route: { readonly ownerSlackId: string | null; readonly dryRun: boolean },
    parent: () => { text: string; blocks: KnownBlock[] },
  ) => Promise<{ channel: string; ts: string } | null>;
  readonly paced: <T>(channel: string, fn: () => Promise<T>) => Promise<T>;
}

/** A deal's notice as it reads now: its writes, each with what its latest undo did. */
async function composeNotice(
  reads: WriteNoticeReads,
  runId: string,
  dealId: string,
  writes: ProvenanceRow[],
) {
  const [page, defs, users, notes, undos] = await Promise.all([
    reads.crm.pageDeals({ cursor: null, limit: 1, ids: [dealId] }),
    reads.crm.listPropertyDefs(),
    reads.crm.listUsers(),
    reads.crm.notesForDeals([dealId]),
    reads.store.lastUndoOf(writes.map((w) => w.id)),
  ]);
  const deal = page.deals.find((d) => d.id === dealId) ?? null;
  const userNames = Object.fromEntries(users.map((u) => [u.id, u.name]));
  const lines = writes.map((w): WrittenLine => {
    const def = defs.find((d) => d.name === w.field) ?? null;
    const note = notes.get(dealId)?.find((n) => n.id === w.sourceNoteId) ?? null;
    const undo = undos.get(w.id);
    return {
      changeId: w.id,
      label: fieldLabel(w.field, reads.policy.dealFields.get(w.field)?.label, def),
      fieldType: def?.type ?? 'text',
      ...(def?.type === 'user' ? { userNames } : {}),
      oldValue: w.previousValue ?? null,
      newValue: w.newValue ?? null,
      quote: w.quote,
      noteType: note?.type ?? null,
      noteDate: note?.createdAt ?? null,
      undo: undo
        ? {
            action: undo.action as WriteUndo['action'],
            actor: undo.actor,
            at: undo.createdAt,
            reason: undo.reason,
          }
        : null,
    };
  });
  return {
    owner: users.find((u) => u.id === deal?.ownerId) ?? null,
    message: writeNoticeMessage({ dealName: deal?.name ?? dealId, runId, lines }),
    dealName: deal?.name ?? dealId,
    count: lines.length,
  };
}

/**
 * After a live run: each deal Scout wrote to without a person gets one notice in the
 * deal's thread (its owner's DM, else the approvals channel), claimed before it is
 * posted so a retried or concurrent publish never posts it twice. A deal with nowhere
 * to go is skipped with a warning. Returns how many were posted.
 */
export async function postWriteNotices(p: WriteNoticePosting, runId: string): Promise<number> {
  const claimed = await p.store.claim(runId);
  let posted = 0;
  const unrouted: string[] = [];
  for (const [dealId, writes] of claimed) {
    const notice = await composeNotice(p, runId, dealId, writes);
    const ownerSlackId = await p.ownerOf(dealId, notice.owner);
    const dealName = safe(notice.dealName, 500);
    // Only live writes are told about: a dry run wrote nothing.
    const thread = await p.threadFor(runId, dealId, { ownerSlackId, dryRun: false }, () => ({
      text: `Scout wrote ${notice.count} change${notice.count === 1 ? '' : 's'} to ${dealName}`,
      blocks: [
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: `Scout wrote *${notice.count}* change${notice.count === 1 ? '' : 's'} to *${dealName}*. See the thread.`,
          },
        },
      ],
    }));
    if (!thread) {
      unrouted.push(dealId);
      continue;
    }
    const reply = await p.paced(thread.channel, () =>
      p.client.chat.postMessage({
        channel: thread.channel,
        thread_ts: thread.ts,
        ...notice.message,
      }),
    );
    if (reply.ts)
      await p.store.setMessage(runId, dealId, {
        channel: thread.channel,
        ts: reply.ts,
        ownerSlackId,
      });
    posted += 1;
  }
  if (unrouted.length > 0)
    p.logger.warn(
      { run_id: runId, deals: unrouted },
      'no Slack owner or approvals channel for these deals; their write notices were not posted',
    );
  return posted;
}

/** Redraws a posted notice from the log (after an Undo from it): every line as it stands now. */
export async function redrawWriteNotice(
  reads: WriteNoticeReads & { readonly client: WebClient },
  notice: WriteNoticeRow,
): Promise<void> {
  if (!notice.slackChannel || !notice.slackTs) return;
  const writes = await reads.store.writesOf(notice.runId, notice.recordId);
  const { message } = await composeNotice(reads, notice.runId, notice.recordId, writes);
  await reads.client.chat.update({ channel: notice.slackChannel, ts: notice.slackTs, ...message });
}
