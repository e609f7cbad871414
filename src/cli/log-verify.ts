import type { Db } from '../db/client.js';
import { readChain, readChainHead } from '../db/provenance-chain.js';
import { type ChainHead, type ChainReport, verifyChain } from '../domain/hash-chain.js';
import { ScoutError } from '../errors.js';

/** `--expect-head SEQ:HASH`, as a run summary prints it (`#SEQ HASH` is accepted too). */
export function parseExpectedHead(text: string): ChainHead {
  const m = /^#?(\d+)[:\s]+([0-9a-f]{64})$/.exec(text.trim());
  if (!m?.[1] || !m[2])
    throw new ScoutError(
      'usage',
      `--expect-head must be SEQ:HASH (the audit chain head a run summary printed), got ${JSON.stringify(text)}`,
    );
  return { seq: Number(m[1]), hash: m[2] };
}

/** `scout log --verify`: walks the whole chain; prints the report and fails (exit 1) on the first broken row. */
export async function verifyLog(
  db: Db,
  opts: { json: boolean; expectHead?: string },
  stdout: (text: string) => void,
): Promise<ChainReport> {
  const expect = opts.expectHead === undefined ? undefined : parseExpectedHead(opts.expectHead);
  const report = await verifyChain(readChain(db), await readChainHead(db), expect);
  if (opts.json) stdout(`${JSON.stringify(report)}\n`);
  else if (report.ok)
    stdout(
      `audit chain OK: ${report.rows} row${report.rows === 1 ? '' : 's'} verified; head #${report.head.seq} ${report.head.hash}\n`,
    );
  if (!report.ok) {
    const where =
      report.broken.id === null ? 'after the last row' : `at row id ${report.broken.id}`;
    throw new ScoutError(
      'chain_broken',
      `audit chain BROKEN ${where} (chain position #${report.broken.chain_seq}): ${report.broken.problem}. ${report.rows} row${report.rows === 1 ? '' : 's'} before it verified.`,
    );
  }
  return report;
}

export interface LogOptions {
  run?: string;
  deal?: string;
  field?: string;
  action?: string[];
  actor?: string;
  since?: Date;
  until?: Date;
  json: boolean;
  verify?: boolean;
  expectHead?: string;
}
