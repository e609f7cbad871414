import type { Logger } from '../logger.js';

/**
 * Work that runs after Slack has been answered (applies, card updates). Failures are
 * logged, never thrown into a request; `idle()` lets shutdown and tests wait for it.
 */
export function createBackground(logger: Logger) {
  const running = new Set<Promise<void>>();
  return {
    run(name: string, task: () => Promise<void>): void {
      const p = task()
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
