// A `scout worker` process for tests that kill it. It composes the worker exactly as
// the CLI does (startWorker), wrapping the CRM so the parent can see each write land
// and kill the process in the window between the CRM write and its provenance row.

import { createExtractor, openApp } from '../../src/app-context.js';
import { startWorker } from '../../src/cli/worker-command.js';
import { loadConfig } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import type { CrmPort } from '../../src/services/ports/crm.js';
import { slowExtractor } from './worker-harness.js';

const config = loadConfig(process.env);
const app = await openApp(config, createLogger(config.LOG_LEVEL));
const pauseAfterWriteMs = Number(process.env.TEST_PAUSE_AFTER_WRITE_MS ?? 0);
const crm: CrmPort = {
  ...app.crm,
  kind: app.crm.kind,
  // Written through the port, as a remote CRM is (write-ahead intents): the parent kills
  // the process between the CRM write and its record, which one transaction never has.
  atomic: undefined,
  async writeProperties(writes) {
    const results = await app.crm.writeProperties(writes);
    process.send?.({
      type: 'written',
      writes: writes
        .filter((_, i) => results[i]?.status === 'written')
        .map((w) => `${w.dealId}/${w.property}`),
    });
    if (pauseAfterWriteMs > 0) await new Promise((r) => setTimeout(r, pauseAfterWriteMs));
    return results;
  },
};
const extractDelay = Number(process.env.TEST_EXTRACT_DELAY_MS ?? 0);
const worker = await startWorker(app, {
  crm,
  ...(extractDelay > 0 ? { extractor: slowExtractor(createExtractor(config), extractDelay) } : {}),
});
process.send?.({ type: 'ready', mode: worker.mode });
const stop = async () => {
  const { drained } = await worker.runtime.stop(config.SCOUT_SHUTDOWN_SECONDS * 1000);
  await app.close();
  process.send?.({ type: 'stopped', drained });
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
