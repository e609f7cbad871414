import { eq } from 'drizzle-orm';
import type { Db } from '../db/client.js';
import { policies, runs } from '../db/schema.js';
import type { Policy } from '../domain/policy.js';
import { ScoutError } from '../errors.js';
import { table } from './output.js';

/** `scout policy check`: the policy as a table, one row per field. */
export function formatPolicy(policy: Policy, source: string): string {
  const rows = [...policy.dealFields.values()].map((f) => [
    'deal',
    f.name,
    f.write,
    f.write === 'suggest' ? `scout_${f.name}` : f.write === 'never' ? '—' : f.name,
    f.write === 'never' ? '—' : `${f.thresholds.propose} / ${f.thresholds.auto}`,
    f.onFilled,
    f.evidence ? f.evidence.join(', ') : 'any',
    f.maxLength ? String(f.maxLength) : '',
  ]);
  return [
    `policy ${source}: valid`,
    `proposal ttl ${policy.proposalTtlHours} h · approvers ${policy.approvers.join(', ') || 'none'} · ops admins ${policy.opsAdmins.join(', ') || 'none'}`,
    '',
    table(
      [
        'object',
        'field',
        'write',
        'writes to',
        'propose / auto',
        'when filled',
        'evidence',
        'max length',
      ],
      rows,
    ),
  ].join('\n');
}

/** What `scout policy show --run ID` prints: the exact policy text a run ran under (docs/guarantees.md#g25). */
export interface RunPolicy {
  readonly runId: string;
  readonly path: string | null;
  readonly sha256: string;
  readonly text: string;
}

/** The policy a run recorded, or a usage error naming why there is none. */
export async function runPolicy(db: Db, runId: string): Promise<RunPolicy> {
  const [run] = await db
    .select({ sha256: runs.policySha256, path: runs.policyPath })
    .from(runs)
    .where(eq(runs.id, runId));
  if (!run) throw new ScoutError('usage', `No run ${JSON.stringify(runId.slice(0, 80))}`);
  if (!run.sha256)
    throw new ScoutError(
      'usage',
      `Run ${runId} recorded no policy (it ran before Scout kept policies, or was an undo)`,
    );
  const [kept] = await db
    .select({ text: policies.text })
    .from(policies)
    .where(eq(policies.sha256, run.sha256));
  if (!kept)
    throw new ScoutError(
      'usage',
      `Run ${runId} ran under policy ${run.sha256}, whose text is missing`,
    );
  return { runId, path: run.path, sha256: run.sha256, text: kept.text };
}
