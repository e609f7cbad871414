import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import type { Db } from '../src/db/client.js';
import { advisoryDealLocks } from '../src/db/deal-locks.js';
import { createRunLedger } from '../src/db/run-ledger.js';
import type { Policy } from '../src/domain/policy.js';
import type { CrmPort } from '../src/services/ports/crm.js';
import type { ExtractorPort } from '../src/services/ports/extractor.js';

/** What `runExtraction` needs in a benchmark: `scout run`'s wiring, silent, on `db`. */
export function benchRunDeps(input: {
  db: Db;
  crm: CrmPort;
  policy: Policy;
  extractor: ExtractorPort;
  live: boolean;
}) {
  return {
    crm: input.crm,
    extractor: input.extractor,
    ledger: createRunLedger(input.db),
    policy: input.policy,
    liveWrites: input.live ? '1' : undefined,
    clock: () => new Date(),
    newId: () => randomUUID(),
    logger: pino({ level: 'silent' }),
    withDealLocks: advisoryDealLocks(input.db),
  };
}
