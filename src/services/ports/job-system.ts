import type { JobData, QueueName } from './job-data.js';

export interface JobSpec<Q extends QueueName> {
  /** Deterministic: adding a job whose id exists is a no-op (while BullMQ still holds it). */
  readonly id: string;
  readonly data: JobData<Q>;
}

export interface JobContext {
  readonly id: string;
  /** Attempts made before this one. */
  readonly attemptsMade: number;
}

export interface JobHandler<Q extends QueueName> {
  run(data: JobData<Q>, job: JobContext): Promise<void>;
  /** Called once when a job fails for good (attempts spent, or its data is invalid). */
  failed?(data: unknown, error: Error, job: JobContext): Promise<void>;
}

export type JobHandlers = { readonly [Q in QueueName]?: JobHandler<Q> };

/** A cron schedule as configured (see schedule-file.ts), registered under its id. */
export interface Schedule {
  readonly id: string;
  readonly cron: string;
  readonly timezone: string;
  readonly apply: boolean;
  readonly dealIds?: readonly string[];
  readonly limit?: number | null;
}

/**
 * The queue behind Scout's background work: BullMQ over Redis for any number of
 * processes, or the inline runner (same handlers, in this process) without REDIS_URL.
 */
export interface JobSystem {
  readonly mode: 'bullmq' | 'inline';
  add<Q extends QueueName>(queue: Q, jobs: readonly JobSpec<Q>[]): Promise<void>;
  /**
   * Adds again work the database still shows undone: as `add`, except that a job of the
   * same id that failed for good before `failedBefore` (its failure handler had time to
   * record the failure, and did not) is replaced instead of counting as a duplicate.
   */
  requeue<Q extends QueueName>(
    queue: Q,
    jobs: readonly JobSpec<Q>[],
    failedBefore: Date,
  ): Promise<void>;
  /** Starts consuming every queue that has a handler. */
  work(handlers: JobHandlers): void;
  /** Registers the schedules (and the heartbeat) and removes schedules no longer configured. */
  upsertSchedules(schedules: readonly Schedule[], heartbeatEveryMs: number): Promise<void>;
  /** Keys of the job schedulers registered now (`schedule-<id>` and the heartbeat). */
  schedulerKeys(): Promise<string[]>;
  /**
   * Resolves when no job is queued, running or waiting to retry (inline: in this process;
   * BullMQ: in every process on the queues, or on `queues` only). A schedule's next
   * occurrence does not count.
   */
  idle(queues?: readonly QueueName[]): Promise<void>;
  /** Stops taking jobs, waits for running ones up to the deadline, and disconnects. */
  close(deadlineMs?: number): Promise<{ drained: boolean }>;
}
