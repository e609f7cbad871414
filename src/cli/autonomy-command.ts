import { readFileSync } from 'node:fs';
import type { Db } from '../db/client.js';
import { collectStats } from '../db/field-stats-query.js';
import {
  type Advice,
  adviseAutonomy,
  describeAdvice,
  MIN_EVIDENCE,
} from '../domain/autonomy-advice.js';
import type { Policy } from '../domain/policy.js';
import { applyAdviceToText, policyDiff } from '../policy-edit.js';

export interface AutonomyReport {
  readonly policyPath: string;
  readonly advice: readonly Advice[];
  readonly waiting: ReturnType<typeof adviseAutonomy>['waiting'];
  /** The unified diff of the policy file with the advice taken; empty without advice. */
  readonly diff: string;
}

/**
 * `scout autonomy`: the advice and the policy diff it amounts to (docs/guarantees.md#g26). It reads
 * the policy file and never writes it: taking the advice is a person's edit.
 */
export async function adviseFromLog(
  db: Db,
  policy: Policy,
  policyPath: string,
): Promise<AutonomyReport> {
  const stats = await collectStats(db, policy, null);
  const { advice, waiting } = adviseAutonomy(stats, policy);
  const text = readFileSync(policyPath, 'utf8');
  return {
    policyPath,
    advice,
    waiting,
    diff: policyDiff(policyPath, text, applyAdviceToText(text, advice)),
  };
}

export function formatAutonomy(r: AutonomyReport): string {
  const lines = [
    `Autonomy advice (no rule speaks on fewer than ${MIN_EVIDENCE} outcomes; nothing is changed)`,
    '',
  ];
  if (r.advice.length === 0) lines.push('No advice: the evidence supports the policy as it is.');
  for (const a of r.advice) lines.push(`- ${describeAdvice(a)}`, `  why: ${a.why}`);
  if (r.waiting.length > 0)
    lines.push(
      '',
      `Waiting for evidence: ${r.waiting.map((w) => `${w.field} (${w.lane}, ${w.evidence} of ${w.needed})`).join(', ')}`,
    );
  if (r.diff !== '')
    lines.push(
      '',
      `The policy with the advice taken (${r.policyPath} is unchanged; apply this yourself if you agree):`,
      '',
      r.diff.trimEnd(),
    );
  return lines.join('\n');
}

export function autonomyJson(r: AutonomyReport) {
  return {
    policy_path: r.policyPath,
    min_evidence: MIN_EVIDENCE,
    advice: r.advice.map((a) => ({
      field: a.field,
      kind: a.kind,
      path: `objects.deal.fields.${a.field}.${a.path.join('.')}`,
      from: a.from,
      to: a.to,
      evidence: {
        measure: a.evidence.measure,
        successes: a.evidence.successes,
        trials: a.evidence.trials,
        rate: a.evidence.rate,
        wilson_95: a.evidence.interval,
      },
      why: a.why,
      summary: describeAdvice(a),
    })),
    waiting: r.waiting,
    diff: r.diff,
  };
}
