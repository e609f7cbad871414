import { z } from 'zod';

/**
 * What each queue's jobs carry: ids and switches only, never note text or secrets
 * (docs/guarantees.md#g18). Every job is parsed against its schema before its handler runs.
 */
export const runJobData = z.strictObject({
  /** Set when the CLI or a test asks for a run; scheduled runs derive it from the job id. */
  runId: z.string().min(1).max(100).optional(),
  scheduleId: z.string().min(1).max(100).optional(),
  apply: z.boolean(),
  dealIds: z.array(z.string().min(1).max(200)).max(10_000).optional(),
  limit: z.number().int().min(1).nullable().optional(),
});

export const dealJobData = z.strictObject({
  runId: z.string().min(1).max(100),
  dealId: z.string().min(1).max(200),
});

export const applyJobData = z.strictObject({
  proposalId: z.string().min(1).max(100),
  version: z.number().int().min(1),
});

/** Redraw a proposal's card, at most once per version however many clicks asked (issue 19). */
export const cardJobData = z.strictObject({
  proposalId: z.string().min(1).max(100),
  version: z.number().int().min(1),
});

export const heartbeatJobData = z.strictObject({});

export const JOB_SCHEMAS = {
  runs: runJobData,
  deals: dealJobData,
  applies: applyJobData,
  cards: cardJobData,
  ops: heartbeatJobData,
} as const;

export type QueueName = keyof typeof JOB_SCHEMAS;
export type JobData<Q extends QueueName> = z.output<(typeof JOB_SCHEMAS)[Q]>;
export const QUEUE_NAMES = Object.keys(JOB_SCHEMAS) as QueueName[];
