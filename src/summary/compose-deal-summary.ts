import type { AppContext } from '../app-context.js';
import { createDealHistoryReader, type SelectOnlyDb } from '../db/deal-history-reader.js';
import { openReadOnlyDatabase } from '../db/read-only-database.js';
import type { Policy } from '../domain/policy.js';
import { createClaudeNarrator } from './claude-narrator.js';
import { type DealSummaryPorts, readOnlyCrm } from './summary-ports.js';

/**
 * `/deal-summary`'s ports for `scout serve`: the CRM narrowed to its reads, Scout's log
 * read over a read-only Postgres session (an embedded database without a URL is narrowed
 * to its selects by type only), and Claude only with a key and the policy's
 * `deal_summary.narrative: true`.
 */
export function composeDealSummary(
  app: Pick<AppContext, 'config' | 'crm' | 'clock' | 'database'>,
  policy: Policy,
): { ports: DealSummaryPorts; close(): Promise<void> } {
  const { config } = app;
  const embedded: { db: SelectOnlyDb; close(): Promise<void> } = {
    db: app.database.db,
    close: async () => {},
  };
  const readOnly = config.DATABASE_URL ? openReadOnlyDatabase(config.DATABASE_URL) : embedded;
  const narrator =
    policy.dealSummary.narrative && config.ANTHROPIC_API_KEY
      ? createClaudeNarrator({
          apiKey: config.ANTHROPIC_API_KEY,
          model: config.SCOUT_MODEL,
          maxRetries: 1,
          ...(config.ANTHROPIC_BASE_URL ? { baseURL: config.ANTHROPIC_BASE_URL } : {}),
        })
      : undefined;
  return {
    ports: {
      crm: readOnlyCrm(app.crm),
      history: createDealHistoryReader(readOnly.db),
      policy,
      clock: app.clock,
      dealUrl: (id) => app.crm.dealUrl?.(id) ?? null,
      ...(narrator ? { narrator } : {}),
    },
    close: () => readOnly.close(),
  };
}
