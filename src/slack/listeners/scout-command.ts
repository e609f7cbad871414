import type * as bolt from '@slack/bolt';
import type { ControlStore } from '../../db/control-store.js';
import type { Policy } from '../../domain/policy.js';
import { describeRunProgress } from '../../domain/run-progress-text.js';
import type { ProposalStore } from '../../services/ports/proposal-store.js';
import type { ListenerContext } from './context.js';
import { undoRunCommand } from './undo-run.js';

const USAGE =
  'Usage: `/scout pause` · `/scout resume` · `/scout status` · `/scout undo &lt;run id&gt;`';
const OPS_ONLY = 'Only Scout ops admins (ops_admins in the field policy) can use /scout.';

export function registerScoutCommand(app: bolt.App, ctx: ListenerContext): void {
  app.command('/scout', async ({ ack, command }) => {
    const user = command.user_id;
    // A signed request may still leave out the text: it is then an empty command.
    const text = command.text ?? '';
    const [verb = '', ...rest] = text.trim().split(/\s+/);
    if (!ctx.deps.policy.opsAdmins.includes(user)) {
      ctx.log.warn({ user, verb }, 'refused /scout to someone not among ops_admins');
      await ack({ response_type: 'ephemeral', text: `${OPS_ONLY} Your attempt was logged.` });
      return;
    }
    const reply =
      verb.toLowerCase() === 'undo'
        ? await undoRunCommand(ctx, rest.join(' '))
        : { text: await scoutCommand(ctx.deps, user, text) };
    await ack({ response_type: 'ephemeral', ...reply });
  });
}

/**
 * `/scout pause|resume|status`, for configured ops admins only (`/scout undo` is undo-run.ts). A pause closes the
 * write gates for every run and apply from the next write on; it can never open them.
 */
export async function scoutCommand(
  deps: {
    control: ControlStore;
    proposals: ProposalStore;
    policy: Policy;
    liveWrites: string | undefined;
    clock: () => Date;
  },
  userId: string,
  text: string,
): Promise<string> {
  if (!deps.policy.opsAdmins.includes(userId)) return OPS_ONLY;
  const verb = text.trim().toLowerCase();
  switch (verb) {
    case 'pause':
      await deps.control.setPaused(true, `slack:${userId}`);
      return ':double_vertical_bar: Scout is *paused*: no run or approval writes to the CRM until `/scout resume`.';
    case 'resume':
      await deps.control.setPaused(false, `slack:${userId}`);
      return `:arrow_forward: Scout is *resumed*. Live writes still need LIVE_WRITES=1 (it is ${deps.liveWrites === '1' ? 'on' : 'off'}) and a run asked to apply.`;
    case 'status': {
      const [paused, runs, pending] = await Promise.all([
        deps.control.isPaused(),
        deps.control.recentRuns(3),
        deps.proposals.countPending(),
      ]);
      const running = runs.filter((r) => r.status === 'running');
      const counts = await deps.control.actionCounts(running.map((r) => r.id));
      const now = deps.clock();
      const lines = [
        `*Pause:* ${paused ? 'ON — writes blocked' : 'off'} · *LIVE_WRITES=1:* ${deps.liveWrites === '1' ? 'yes' : 'no'} · *pending proposals:* ${pending.live} live · ${pending.dry} from dry runs`,
        ...runs.map((r) => {
          const head = `• ${r.startedAt.toISOString().slice(0, 16).replace('T', ' ')} ${r.mode === 'live' ? 'LIVE' : 'DRY RUN'}`;
          const progress =
            r.status === 'running'
              ? `running: ${describeRunProgress({ ...r, counts: counts.get(r.id) ?? {} }, now)}`
              : `${runStatus(r.status)}, scanned ${r.scanned} of ${r.total}`;
          return `${head} ${progress} (run ${r.id.slice(0, 8)})`;
        }),
      ];
      return lines.join('\n');
    }
    default:
      return USAGE;
  }
}

/** An interrupted run (its process died, docs/guarantees.md#g20) must not read like a finished one. */
function runStatus(status: string): string {
  return status === 'interrupted'
    ? ':warning: *INTERRUPTED* (its process stopped; `scout undo --run` accepts it)'
    : status;
}
