import { fileURLToPath } from 'node:url';
import type { SandboxUser } from '../sandbox/workspace.js';

const examples = (name: string) =>
  fileURLToPath(new URL(`../../examples/demo/${name}`, import.meta.url));

/** The sample pipeline, sample model answers and policy that `scout demo` ships with. */
export const DEMO_SEED = examples('pipeline.seed.json');
export const DEMO_REPLAY = examples('pipeline.replay.json');
export const DEMO_POLICY = examples('policy.yml');

/** Where the demo keeps its embedded database unless `--data-dir` says otherwise. */
export const DEFAULT_DEMO_DIR = '.scout/demo';

/** The sandbox's people: they match the sample seed's users (by Slack id and email). */
export const DEMO_PEOPLE: readonly SandboxUser[] = [
  { id: 'U0ANA', name: 'Ana Ruiz', email: 'ana@example.com', role: 'rep, owns 8 deals' },
  { id: 'U0BEN', name: 'Ben Okafor', email: 'ben@example.com', role: 'rep, owns 8 deals' },
  { id: 'U0CHLOE', name: 'Chloé Martin', email: 'chloe@example.com', role: 'rep, owns 8 deals' },
  {
    id: 'U0LEAD',
    name: 'Dana Lee',
    email: 'dana@example.com',
    role: 'sales lead: approver and ops admin',
  },
  { id: 'U0RAJ', name: 'Raj Patel', email: 'raj@example.com', role: 'sales engineer' },
  {
    id: 'U0SAM',
    name: 'Sam Rivera',
    email: 'sam@example.com',
    role: 'stranger: owns no deal, approves nothing',
  },
];

/**
 * Where a newcomer sees how a tricky sample case was handled: a `/deal-summary … why …`
 * command, and words its answer contains. The banner prints them; `--check` runs them.
 */
export const DEMO_CASE_COMMANDS: ReadonlyArray<{
  readonly command: string;
  readonly shows: string;
  readonly answerHas: string;
}> = [
  {
    command: '/deal-summary d04 why close date',
    shows: 'the rep filled it, the note disagrees: a card shows both values',
    answerHas: '(was 2027-02-15)',
  },
  {
    command: '/deal-summary d05 why close date',
    shows: 'an ambiguous date: low confidence, skipped',
    answerHas: 'low confidence',
  },
  {
    command: '/deal-summary d06 why metrics',
    shows: 'a misquote: dropped by the citation gate',
    answerHas: 'no source',
  },
];

/** The Slack sandbox's port unless `--port` says otherwise. */
export const DEFAULT_DEMO_PORT = 3978;
