import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createJobSystem } from '../../src/jobs/create-job-system.js';
import { createLogger } from '../../src/logger.js';

/** A logger at `level` whose lines land in `lines`, parsed. */
function capturingLogger(level: string) {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger(level, {
    write: (line: string) => void lines.push(JSON.parse(line)),
  });
  return { logger, lines };
}

describe('embedded mode (no REDIS_URL)', () => {
  it('runs jobs inline and says so in the log', async () => {
    const { logger, lines } = capturingLogger('info');
    const jobs = await createJobSystem(loadConfig({}), logger);
    try {
      expect(jobs.mode).toBe('inline');
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 30,
          component: 'jobs',
          mode: 'inline',
          msg: 'no REDIS_URL: running jobs inline in this process (embedded mode)',
        }),
      );
    } finally {
      await jobs.close(1_000);
    }
  });

  it('applies SCOUT_APPLY_CONCURRENCY approvals at once, as BullMQ does', async () => {
    const { logger } = capturingLogger('silent');
    const jobs = await createJobSystem(loadConfig({ SCOUT_APPLY_CONCURRENCY: '2' }), logger);
    let running = 0;
    let most = 0;
    jobs.work({
      applies: {
        run: async () => {
          running += 1;
          most = Math.max(most, running);
          await new Promise((r) => setTimeout(r, 20));
          running -= 1;
        },
      },
    });
    await jobs.add(
      'applies',
      Array.from({ length: 6 }, (_, i) => ({
        id: `apply-p${i}-v2`,
        data: { proposalId: `p${i}`, version: 2 },
      })),
    );
    await jobs.idle();
    await jobs.close(1_000);
    expect(most).toBe(2);
  });
});
