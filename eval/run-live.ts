// `npm run eval:live`: the Claude extractor on a labelled set of deal-note bundles,
// judged by the real decision table. Needs ANTHROPIC_API_KEY; costs real tokens.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { DealNote } from '../src/domain/decide.js';
import { judgeDeal } from '../src/domain/judge-deal.js';
import { estimateCost } from '../src/domain/model-pricing.js';
import type { NoteType } from '../src/domain/policy.js';
import { emptyUsage } from '../src/domain/run-summary.js';
import type { PropertyDef } from '../src/domain/values.js';
import { createAnthropicExtractor } from '../src/extraction/anthropic-extractor.js';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../src/policy-file.js';
import type { CrmNote } from '../src/services/ports/crm.js';
import { type DealPrediction, type Expected, overall, scoreFields } from './score.js';

interface EvalDeal {
  id: string;
  name: string;
  tags: string[];
  notes: Array<{ id: string; type: NoteType; created_at: string; body: string }>;
  expected: Expected;
}

const key = process.env.ANTHROPIC_API_KEY;
if (!key) {
  console.error(
    'eval:live calls the real Claude API and needs ANTHROPIC_API_KEY (and optionally SCOUT_MODEL, ANTHROPIC_BASE_URL). Nothing was run.',
  );
  process.exit(2);
}
const model = process.env.SCOUT_MODEL ?? 'claude-sonnet-5-5';
const set = JSON.parse(
  readFileSync(fileURLToPath(new URL('./deals.json', import.meta.url)), 'utf8'),
) as { deals: EvalDeal[] };
const policy = loadPolicyFile(DEFAULT_POLICY_PATH);
const fields = [...policy.dealFields.values()].filter((f) => f.write !== 'never');
const defs = new Map<string, PropertyDef>(
  fields.map((f) => [
    f.name,
    { name: f.name, label: f.label ?? f.name, type: f.name === 'closedate' ? 'date' : 'text' },
  ]),
);
// Every field is open in the eval, so the deal's open fields and the policy glossary are one list.
const glossary = fields.map((f) => ({
  name: f.name,
  label: f.label ?? f.name,
  type: defs.get(f.name)?.type ?? 'text',
  ...(f.description ? { description: f.description } : {}),
}));
const extractor = createAnthropicExtractor({
  apiKey: key,
  model,
  ...(process.env.ANTHROPIC_BASE_URL ? { baseURL: process.env.ANTHROPIC_BASE_URL } : {}),
});

const usage = emptyUsage();
const predictions: DealPrediction[] = [];
let findings = 0;
let citationDrops = 0;
let rejected = 0;
for (const deal of set.deals) {
  const notes: CrmNote[] = deal.notes.map((n) => ({
    id: n.id,
    dealId: deal.id,
    type: n.type,
    createdAt: new Date(n.created_at),
    body: n.body,
  }));
  const result = await extractor.extract({
    dealId: deal.id,
    dealName: deal.name,
    fields: glossary,
    glossary,
    notes,
    users: [],
  });
  for (const k of Object.keys(usage) as Array<keyof typeof usage>) usage[k] += result.usage[k];
  if (result.rejection) rejected += 1;
  findings += result.findings.length;
  const judged = judgeDeal(result.findings, {
    fieldPolicies: policy.dealFields,
    propertyDefs: defs,
    dealProperties: {},
    notes: new Map<string, DealNote>(notes.map((n) => [n.id, n])),
    userIds: new Set(),
    now: new Date(),
    alreadyApplied: () => false,
    alreadyProposed: () => false,
  });
  const predicted: Record<string, string | number> = {};
  for (const j of judged) {
    if (j.outcome.kind === 'drop' && j.outcome.reason.startsWith('no source')) citationDrops += 1;
    if (j.outcome.kind === 'write' || j.outcome.kind === 'propose')
      predicted[j.field] = j.outcome.value;
  }
  predictions.push({ expected: deal.expected, predicted });
  process.stderr.write('.');
}
process.stderr.write('\n');

const scores = scoreFields(predictions);
const fmt = (x: number | null) => (x === null ? '   —' : x.toFixed(2).padStart(4));
console.log(
  `model ${model} · ${set.deals.length} deals · ${findings} findings · ${rejected} answers rejected`,
);
console.log('field               precision  recall   tp  fp  fn');
for (const s of scores) {
  console.log(
    `${s.field.padEnd(20)}${fmt(s.precision).padStart(9)}${fmt(s.recall).padStart(8)}${String(s.truePositives).padStart(5)}${String(s.falsePositives).padStart(4)}${String(s.falseNegatives).padStart(4)}`,
  );
}
const all = overall(scores);
console.log(`overall             ${fmt(all.precision).padStart(9)}${fmt(all.recall).padStart(8)}`);
console.log(
  `citation-drop rate: ${findings === 0 ? '—' : ((citationDrops / findings) * 100).toFixed(1)}% of findings`,
);
const cost = estimateCost(usage, model);
console.log(
  `tokens per deal: ${(usage.input_tokens / set.deals.length).toFixed(0)} in, ${(usage.cache_read_input_tokens / set.deals.length).toFixed(0)} cached, ` +
    `${(usage.output_tokens / set.deals.length).toFixed(0)} out; cost per deal ${cost === null ? 'unknown' : `$${(cost / set.deals.length).toFixed(4)}`}`,
);
