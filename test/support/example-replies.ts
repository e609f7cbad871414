import { readFileSync } from 'node:fs';
import type Anthropic from '@anthropic-ai/sdk';
import { dealNameOf, type Reply } from './anthropic-stand-in.js';
import { EXAMPLE_REPLAY, EXAMPLE_SEED } from './scout-env.js';

/** The example replay file, answered by the Messages API stand-in as Claude would answer it. */
export function exampleReplies(): (request: Anthropic.MessageCreateParamsNonStreaming) => Reply {
  const seed = JSON.parse(readFileSync(EXAMPLE_SEED, 'utf8')) as {
    deals: Array<{ id: string; name: string }>;
  };
  const replay = JSON.parse(readFileSync(EXAMPLE_REPLAY, 'utf8')) as Record<string, unknown[]>;
  const byName = new Map(seed.deals.map((d) => [d.name, replay[d.id] ?? []]));
  return (request) => {
    const findings = byName.get(dealNameOf(request) ?? '') ?? [];
    // The example's d4 carries a finding with a deal_id, which would void the whole answer; Claude's
    // strict tool schema would not produce it, so the stand-in leaves it out here.
    return {
      kind: 'findings',
      findings: findings.filter((f) => !(typeof f === 'object' && f && 'deal_id' in f)),
    };
  };
}
