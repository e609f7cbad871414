import { renderBlocks, renderModal } from './render-blocks.js';
import type { Workspace } from './workspace.js';

/** Everything the bot showed anyone, as the page renders it: messages, replies, and every view it opened, updated or published. */
export function textsShown(
  workspace: Workspace,
  calls: ReadonlyArray<{ readonly method: string; readonly args: Record<string, unknown> }>,
): Array<{ where: string; text: string }> {
  const ctx = { userName: (id: string) => workspace.user(id)?.name ?? id, users: workspace.users };
  const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/&[#a-z0-9]+;/g, ' ');
  return [
    ...workspace.messages.map((m) => ({
      where: `message ${m.ts} in ${m.channel}`,
      text: text(renderBlocks(m.blocks, ctx)) || m.text,
    })),
    // A person's own typing is theirs, not the bot's.
    ...workspace.ephemerals
      .filter((e) => e.source !== 'typed')
      .map((e) => ({
        where: `reply ${e.ts} to ${e.user}`,
        text: text(renderBlocks(e.blocks, ctx)) || e.text,
      })),
    // Modals close, so the calls keep what they showed.
    ...calls
      .filter((c) => c.method.startsWith('views.'))
      .map((c, n) => {
        const view = (typeof c.args.view === 'string' ? JSON.parse(c.args.view) : c.args.view) as
          | Record<string, unknown>
          | undefined;
        return {
          where: `${c.method} #${n}`,
          text: view ? text(renderModal(view, `V${n}`, {}, ctx)) : '',
        };
      }),
  ];
}

/**
 * What people should never read (issue 18): a Slack user id (mentions render as names), a
 * CRM user id, a property key people would not say (`next_step`, `closedate`, `scout_metrics`;
 * not `seats`), or a note kind in code ("a email_reply"). Returns where each was found.
 */
export function idsAndKeysShown(
  shown: ReadonlyArray<{ where: string; text: string }>,
  crm: {
    readonly userIds: readonly string[];
    readonly properties: ReadonlyArray<{ name: string; label: string }>;
  },
): string[] {
  const keys = crm.properties.filter((p) => p.name !== p.label.toLowerCase()).map((p) => p.name);
  const words = (list: readonly string[]) =>
    list.length > 0 ? new RegExp(`\\b(${list.map(escapeRegExp).join('|')})\\b`) : null;
  const patterns = [
    /\b[UW]0[A-Z0-9]{2,}\b/,
    words(crm.userIds),
    words(keys),
    /\ba (email|email_reply)\b/,
  ].filter((p): p is RegExp => p !== null);
  return shown.flatMap((s) =>
    patterns.flatMap((p) => {
      const found = s.text.match(p);
      return found ? [`${s.where}: ${found[0]}`] : [];
    }),
  );
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
