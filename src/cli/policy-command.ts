import type { Policy } from '../domain/policy.js';
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
