import pLimit from 'p-limit';
import type { Logger } from '../logger.js';

/**
 * Background tasks running at once. The rest wait their turn, so a burst of clicks queues
 * card updates instead of taking every database connection from the requests being acked.
 */
const AT_ONCE = 8;

/**
 * Work that runs after Slack has been answered (applies, card updates). Failures are
 * logged, never thrown into a request; `idle()` lets shutdown and tests wait for it.
 */
export function createBackground(logger: Logger, atOnce = AT_ONCE) {
  const running = new Set<Promise<void>>();
  const slots = pLimit(atOnce);
  return {
    run(name: string, task: () => Promise<void>): void {
      const p = slots(task)
        .catch((error: unknown) =>
          logger.error(
            { err: error instanceof Error ? error.message : String(error), task: name },
            'background task failed',
          ),
        )
        .finally(() => running.delete(p));
      running.add(p);
    },
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}

export type Background = ReturnType<typeof createBackground>;
