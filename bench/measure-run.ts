import { readFileSync } from 'node:fs';
import { createLocalCrm } from '../src/crm/local-crm.js';
import { openDatabase } from '../src/db/client.js';
import { parseReplayText } from '../src/extraction/replay-extractor.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../src/policy-file.js';
import { runExtraction } from '../src/services/run-extraction.js';
import { benchRunDeps } from './run-deps.js';

const [url, replayPath, mode] = process.argv.slice(2) as [string, string, 'dry' | 'live'];
let queries = 0;
const database = openDatabase(url, { onQuery: () => void queries++ });
const extractor = parseReplayText(readFileSync(replayPath, 'utf8'), replayPath);
const started = performance.now();
const cpuAtStart = process.cpuUsage();
const summary = await runExtraction(
  benchRunDeps({
    db: database.db,
    crm: createLocalCrm(database.db),
    // BENCH_POLICY: another policy file, e.g. one with an auto field, so the same work is compared.
    policy: loadPolicyFile(process.env.BENCH_POLICY ?? DEFAULT_POLICY_PATH),
    extractor,
    live: mode === 'live',
  }),
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
    // This process's own CPU (the screen runs here), steadier than wall time on a busy machine.
    cpuMs: ((u) => (u.user + u.system) / 1000)(process.cpuUsage(cpuAtStart)),
  }),
);
