// Child process: one run over a prepared database, reporting time, round trips and peak RSS as JSON.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { createLocalCrm } from '../src/crm/local-crm.js';
import { openDatabase } from '../src/db/client.js';
import { advisoryDealLocks } from '../src/db/deal-locks.js';
import { createRunLedger } from '../src/db/run-ledger.js';
import { parseReplayText } from '../src/extraction/replay-extractor.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../src/policy-file.js';
import { runExtraction } from '../src/services/run-extraction.js';

const [url, replayPath, mode] = process.argv.slice(2) as [string, string, 'dry' | 'live'];
let queries = 0;
const database = openDatabase(url, { onQuery: () => void queries++ });
const extractor = parseReplayText(readFileSync(replayPath, 'utf8'), replayPath);
const started = performance.now();
const summary = await runExtraction(
  {
    crm: createLocalCrm(database.db),
    extractor,
    ledger: createRunLedger(database.db),
    policy: loadPolicyFile(DEFAULT_POLICY_PATH),
    liveWrites: mode === 'live' ? '1' : undefined,
    clock: () => new Date(),
    newId: () => randomUUID(),
    logger: pino({ level: 'silent' }),
    withDealLocks: advisoryDealLocks(database.db),
  },
  { apply: mode === 'live' },
);
const seconds = (performance.now() - started) / 1000;
await database.close();
process.stdout.write(
  JSON.stringify({
    mode: summary.mode,
    scanned: summary.scanned,
    seconds,
    queries,
    written: summary.counts.written,
    wouldWrite: summary.counts.would_write,
    maxRssMb: process.resourceUsage().maxRSS / 1024,
  }),
);
