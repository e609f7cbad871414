import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { ProposalStatus } from '../domain/proposal.js';
import type { OfferStatus } from '../domain/suggestion-offer.js';
import type { PropertyValue } from '../domain/values.js';

const createdAt = () =>
  timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow();

/** One row per pass (extraction or undo); its counters are filled in when it finishes. */
export const runs = pgTable(
  'runs',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    status: text('status').notNull(),
    mode: text('mode').notNull(),
    requestedApply: boolean('requested_apply').notNull(),
    locks: jsonb('locks').notNull(),
    scanned: integer('scanned').notNull().default(0),
    total: integer('total').notNull().default(0),
    cap: integer('cap'),
    counts: jsonb('counts').notNull().default({}),
    dealCounts: jsonb('deal_counts').notNull().default({}),
    warnings: jsonb('warnings').$type<string[]>().notNull().default([]),
    usage: jsonb('usage').notNull().default({}),
    model: text('model').notNull(),
    dealFilter: jsonb('deal_filter').$type<string[] | null>(),
    error: text('error'),
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }).notNull(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
    /** The schedule that started a worker run, if any. */
    scheduleId: text('schedule_id'),
    /** Worker runs: the CRM cursor of the next page to fan out, and whether every deal job is enqueued. */
    fanoutCursor: text('fanout_cursor'),
    fanoutDone: boolean('fanout_done').notNull().default(false),
    fanoutAt: timestamp('fanout_at', { withTimezone: true, mode: 'date' }),
    /** A live run that met a pause part-way wrote nothing from then on; its summary says so. */
    pausedDuring: boolean('paused_during').notNull().default(false),
    /** The ops summary: posted at most by one process at a time (a lease), and marked once posted. */
    summaryClaimedUntil: timestamp('summary_claimed_until', { withTimezone: true, mode: 'date' }),
    summaryPostedAt: timestamp('summary_posted_at', { withTimezone: true, mode: 'date' }),
    /** The provenance chain head when the run finished, as its summary printed it. */
    chainHead: jsonb('chain_head').$type<{ seq: number; hash: string } | null>(),
    /** HubSpot API requests the run made, as its summary reported them (null on other CRMs). */
    hubspotApiCalls: integer('hubspot_api_calls'),
    /** Worker runs: CRM requests of the run job itself (recording it, fanning out). */
    fanoutCrmCalls: integer('fanout_crm_calls').notNull().default(0),
    /**
     * docs/guarantees.md#g20: while `running`, the run is alive only until this time; its holder renews it.
     * A lapsed lease means the process died, and whoever notices marks the run interrupted.
     */
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
    /** Who renews the lease: `worker` for worker runs (any live worker), else the process. */
    leaseHolder: text('lease_holder'),
    /** docs/guarantees.md#g25: the policy the run ran under (its text is in `policies`, once per hash). */
    policySha256: text('policy_sha256'),
    policyPath: text('policy_path'),
  },
  (t) => [index('runs_running_lease_idx').on(t.leaseUntil).where(sql`${t.status} = 'running'`)],
);

/**
 * docs/guarantees.md#g19: a write to a remote CRM, announced before its request and closed in the
 * transaction that logs its outcome. `entry` is the provenance row the write earns; an
 * intent left open by a dead writer is settled by reading the CRM (recover-writes.ts).
 */
export const writeIntents = pgTable(
  'write_intents',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    runId: text('run_id').notNull(),
    object: text('object').notNull(),
    recordId: text('record_id').notNull(),
    property: text('property').notNull(),
    /** `write` (compare-then-write) or `restore` (undo, may clear). */
    mode: text('mode').$type<'write' | 'restore'>().notNull(),
    expected: jsonb('expected').$type<PropertyValue>(),
    value: jsonb('value').$type<PropertyValue>(),
    entry: jsonb('entry').notNull(),
    /** An approved proposal's apply: recovery finishes the proposal with the write. */
    proposalId: text('proposal_id'),
    createdAt: createdAt(),
    settledAt: timestamp('settled_at', { withTimezone: true, mode: 'date' }),
    /** `recorded` by its writer, or `recovered_present` / `recovered_absent` by recovery. */
    outcome: text('outcome'),
  },
  (t) => [
    index('write_intents_open_idx').on(t.recordId, t.id).where(sql`${t.settledAt} is null`),
    check('write_intents_mode_check', sql`${t.mode} in ('write','restore')`),
  ],
);

/**
 * Worker runs: one row per deal the run fanned out to. A deal job settles its row in
 * the same transaction as the deal's provenance, so a redelivered job finds it settled,
 * and the run finishes when no row is left queued.
 */
export const runDeals = pgTable(
  'run_deals',
  {
    runId: text('run_id').notNull(),
    dealId: text('deal_id').notNull(),
    /** queued | extracted | no_new_notes | failed */
    state: text('state').notNull().default('queued'),
    usage: jsonb('usage'),
    /** The deal's place in the fan-out, which is the order its job was queued in. */
    seq: integer('seq').notNull().default(0),
    /** CRM requests the deal's job made, a batch read counted on the job that started it. */
    crmCalls: integer('crm_calls').notNull().default(0),
    queuedAt: timestamp('queued_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    settledAt: timestamp('settled_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    primaryKey({ columns: [t.runId, t.dealId] }),
    index('run_deals_queued_seq_idx').on(t.runId, t.seq).where(sql`${t.state} = 'queued'`),
  ],
);

/**
 * Work promised in the same transaction as the decision that needs it (an approval's
 * apply). A relay moves rows into the queue; a row is never lost if Redis is down.
 */
export const outbox = pgTable(
  'outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    kind: text('kind').notNull(),
    /** The job id it becomes: enqueueing twice is a no-op while the job exists. */
    jobId: text('job_id').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: createdAt(),
    relayedAt: timestamp('relayed_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    uniqueIndex('outbox_job_idx').on(t.jobId),
    index('outbox_unrelayed_idx').on(t.id).where(sql`${t.relayedAt} is null`),
  ],
);

/** Liveness of background work: the last heartbeat job, and the last alert about its silence. */
export const heartbeats = pgTable('heartbeats', {
  name: text('name').primaryKey(),
  beatAt: timestamp('beat_at', { withTimezone: true, mode: 'date' }).notNull(),
  alertedAt: timestamp('alerted_at', { withTimezone: true, mode: 'date' }),
});

/** Append-only: triggers in the migrations refuse UPDATE, DELETE and TRUNCATE (docs/guarantees.md#g10). */
export const provenance = pgTable(
  'provenance',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    runId: text('run_id').notNull(),
    object: text('object').notNull(),
    recordId: text('record_id').notNull(),
    field: text('field').notNull(),
    action: text('action').notNull(),
    reason: text('reason'),
    previousValue: jsonb('previous_value').$type<PropertyValue>(),
    newValue: jsonb('new_value').$type<PropertyValue>(),
    repValue: jsonb('rep_value').$type<PropertyValue>(),
    sourceNoteId: text('source_note_id'),
    quote: text('quote'),
    model: text('model'),
    confidence: doublePrecision('confidence'),
    actor: text('actor').notNull(),
    dryRun: boolean('dry_run').notNull(),
    proposalId: text('proposal_id'),
    createdAt: createdAt(),
    /** Undo rows: the id of the change (a written or applied row) this row reverts or left alone. */
    undoes: bigint('undoes', { mode: 'number' }),
    /**
     * Tamper evidence (drizzle/0006): position in the hash chain, the previous row's hash,
     * this row's hash, and the quote's own hash. A BEFORE INSERT trigger sets all four,
     * whatever an insert supplies; the defaults only keep them optional for inserts.
     */
    chainSeq: bigint('chain_seq', { mode: 'number' }).notNull().default(0),
    prevHash: text('prev_hash').notNull().default(''),
    rowHash: text('row_hash').notNull().default(''),
    quoteSha256: text('quote_sha256'),
  },
  (t) => [
    uniqueIndex('provenance_chain_seq_idx').on(t.chainSeq),
    index('provenance_undoes_idx').on(t.undoes).where(sql`${t.undoes} is not null`),
    index('provenance_run_idx').on(t.runId, t.id),
    index('provenance_record_idx').on(t.object, t.recordId, t.field),
    index('provenance_applied_idx')
      .on(t.object, t.recordId)
      .where(sql`${t.action} in ('written', 'applied') and not ${t.dryRun}`),
    check(
      'provenance_action_check',
      sql`${t.action} in ('written','would_write','proposed','approved','rejected','edited','applied','would_apply','stale','expired','denied','skipped','dropped','failed','undone','would_undo','conflict','overturned','promoted','would_promote','superseded')`,
    ),
  ],
);

/**
 * The provenance hash chain's newest link: one row, locked by the inserting transaction's
 * trigger so appends are serialised, and compared with the last row by `scout log --verify`.
 */
export const provenanceChainHead = pgTable(
  'provenance_chain_head',
  {
    id: boolean('id').primaryKey().default(true),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [check('provenance_chain_head_single_row', sql`${t.id}`)],
);

/** Approval-lane findings awaiting a person; `version` guards exactly-once transitions (docs/guarantees.md#g12). */
export const proposals = pgTable(
  'proposals',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').notNull(),
    object: text('object').notNull(),
    recordId: text('record_id').notNull(),
    field: text('field').notNull(),
    oldValue: jsonb('old_value').$type<PropertyValue>(),
    newValue: jsonb('new_value').$type<PropertyValue>().notNull(),
    editedValue: jsonb('edited_value').$type<PropertyValue>(),
    sourceNoteId: text('source_note_id').notNull(),
    quote: text('quote').notNull(),
    confidence: doublePrecision('confidence').notNull(),
    model: text('model').notNull(),
    status: text('status').$type<ProposalStatus>().notNull().default('pending'),
    version: integer('version').notNull().default(1),
    dryRun: boolean('dry_run').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    /** Where the approval card is, once posted: its channel and message ts. */
    slackChannel: text('slack_channel'),
    /** The deal owner's Slack user when the card was posted: who may decide, without a CRM call. */
    ownerSlackId: text('owner_slack_id'),
    slackTs: text('slack_ts'),
    /** Why the proposal ended as it did (stale, failed, would_apply), shown on the card. */
    outcome: text('outcome'),
    /** Set when the injection screen flagged the quote: the card warns that it reads like an instruction to an AI. */
    screenReason: text('screen_reason'),
    /** docs/guarantees.md#g24: why a person rejected it, chosen after the one-click Reject (REJECT_REASONS). */
    rejectReason: text('reject_reason'),
    /** The words of an "other" reason. */
    rejectNote: text('reject_note'),
    /** The newer proposal that replaced this one while it was pending (status `superseded`). */
    supersededBy: text('superseded_by'),
    /** The dry-run proposal whose decision this live one carried. */
    carriedFrom: text('carried_from'),
    /** The version its Slack card was last drawn at (repeat clicks redraw nothing). */
    cardVersion: integer('card_version'),
  },
  (t) => [
    index('proposals_record_idx').on(t.object, t.recordId, t.status),
    uniqueIndex('proposals_one_pending_idx')
      .on(t.object, t.recordId, t.field, t.newValue, t.dryRun)
      .where(sql`${t.status} = 'pending'`),
    check(
      'proposals_status_check',
      sql`${t.status} in ('pending','approved','rejected','edited','applied','would_apply','stale','expired','superseded','failed')`,
    ),
  ],
);

/** docs/guarantees.md#g25: every policy text a run ran under, once per sha256 (runs.policy_sha256 points here). */
export const policies = pgTable('policies', {
  sha256: text('sha256').primaryKey(),
  text: text('text').notNull(),
  createdAt: createdAt(),
});

/**
 * docs/guarantees.md#g23: a suggestion a run wrote to `scout_<field>` (or would have, in a dry run),
 * offered to the deal's owner in Slack. `open` moves exactly once (status and version
 * guard it) to `promoting` → promoted | would_promote | filled | failed, or to `dismissed`.
 */
export const suggestionOffers = pgTable(
  'suggestion_offers',
  {
    id: text('id').primaryKey(),
    runId: text('run_id').notNull(),
    recordId: text('record_id').notNull(),
    /** The rep-owned field the suggestion would fill. */
    field: text('field').notNull(),
    value: jsonb('value').$type<PropertyValue>().notNull(),
    sourceNoteId: text('source_note_id'),
    quote: text('quote'),
    confidence: doublePrecision('confidence'),
    model: text('model'),
    dryRun: boolean('dry_run').notNull(),
    status: text('status').$type<OfferStatus>().notNull().default('open'),
    version: integer('version').notNull().default(1),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true, mode: 'date' }),
    /** What the click ended in, shown in the message (the value the field holds now, say). */
    outcome: text('outcome'),
    /** The owner's Slack user when the message was posted: who may promote, besides approvers. */
    ownerSlackId: text('owner_slack_id'),
    slackChannel: text('slack_channel'),
    slackTs: text('slack_ts'),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('suggestion_offers_run_deal_field_idx').on(t.runId, t.recordId, t.field),
    check(
      'suggestion_offers_status_check',
      sql`${t.status} in ('open','promoting','promoted','would_promote','filled','dismissed','failed')`,
    ),
  ],
);

/** A run's deals whose notify_owner FYI was posted: at most once each. */
export const ownerNotices = pgTable(
  'owner_notices',
  {
    runId: text('run_id').notNull(),
    recordId: text('record_id').notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.recordId] })],
);

/**
 * A run's deals whose owner was told what Scout wrote without a person (issue 18): claimed
 * once, then where the notice went (redrawn after an Undo) and to whom (who may undo from it).
 */
export const writeNotices = pgTable(
  'write_notices',
  {
    runId: text('run_id').notNull(),
    recordId: text('record_id').notNull(),
    ownerSlackId: text('owner_slack_id'),
    slackChannel: text('slack_channel'),
    slackTs: text('slack_ts'),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.recordId] })],
);

/** The newest note a live run has fully processed per deal; dry runs never move it. */
export const noteWatermarks = pgTable('note_watermarks', {
  dealId: text('deal_id').primaryKey(),
  noteCreatedAt: timestamp('note_created_at', { withTimezone: true, mode: 'date' }).notNull(),
  noteId: text('note_id').notNull(),
  runId: text('run_id').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

/** Operator switches that outlive a process, such as the pause (docs/guarantees.md#g9). */
export const control = pgTable('control', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedBy: text('updated_by').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
});

// The local CRM: a small stand-in for a real one, living in Scout's own database.

export const crmUsers = pgTable('crm_users', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  email: text('email'),
  slackUserId: text('slack_user_id'),
});

export const crmPropertyDefs = pgTable('crm_property_defs', {
  name: text('name').primaryKey(),
  label: text('label').notNull(),
  type: text('type').notNull(),
  options: jsonb('options').$type<string[] | null>(),
  position: integer('position').notNull().generatedAlwaysAsIdentity(),
});

export const crmDeals = pgTable(
  'crm_deals',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    ownerId: text('owner_id').references(() => crmUsers.id),
    properties: jsonb('properties').$type<Record<string, PropertyValue>>().notNull().default({}),
    /** Insertion order: runs page through deals by it, so paging is stable and covers old deals too. */
    position: integer('position').notNull().generatedAlwaysAsIdentity(),
  },
  (t) => [uniqueIndex('crm_deals_position_idx').on(t.position)],
);

export const crmNotes = pgTable(
  'crm_notes',
  {
    id: text('id').primaryKey(),
    dealId: text('deal_id')
      .notNull()
      .references(() => crmDeals.id),
    type: text('type').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    body: text('body').notNull(),
  },
  (t) => [index('crm_notes_deal_idx').on(t.dealId, t.createdAt, t.id)],
);

/**
 * A run's extraction requests submitted as one Message Batch. Recorded right after
 * submission, so an interrupted run resumes collecting it instead of paying twice.
 */
export const extractionBatches = pgTable('extraction_batches', {
  id: text('id').primaryKey(),
  runId: text('run_id').notNull(),
  status: text('status').notNull(),
  requestCount: integer('request_count').notNull(),
  /** Deals looked at before submission: coverage of the run. */
  scanned: integer('scanned').notNull(),
  noNewNotes: integer('no_new_notes').notNull(),
  /** Whoever is collecting the results, and since when: a lease, so two processes never collect one batch. */
  collector: text('collector'),
  collectingSince: timestamp('collecting_since', { withTimezone: true, mode: 'date' }),
  submittedAt: timestamp('submitted_at', { withTimezone: true, mode: 'date' }).notNull(),
  collectedAt: timestamp('collected_at', { withTimezone: true, mode: 'date' }),
});

/** One request of a batch: which deal, and exactly which notes the model was shown. */
export const extractionBatchItems = pgTable(
  'extraction_batch_items',
  {
    batchId: text('batch_id').notNull(),
    customId: text('custom_id').notNull(),
    dealId: text('deal_id').notNull(),
    noteIds: jsonb('note_ids').$type<string[]>().notNull(),
    collected: boolean('collected').notNull().default(false),
  },
  (t) => [
    primaryKey({ columns: [t.batchId, t.customId] }),
    index('extraction_batch_items_open_idx').on(t.batchId, t.collected),
  ],
);

/** One parent message per deal per run; the deal's approval cards are its thread. */
export const slackThreads = pgTable(
  'slack_threads',
  {
    runId: text('run_id').notNull(),
    dealId: text('deal_id').notNull(),
    channel: text('channel').notNull(),
    ts: text('ts').notNull(),
  },
  (t) => [primaryKey({ columns: [t.runId, t.dealId] })],
);

/** Fields announced in the ops channel for reps overturning their `auto` writes: once each (docs/guarantees.md#g26). */
export const autonomyAnnouncements = pgTable('autonomy_announcements', {
  field: text('field').primaryKey(),
  overturned: integer('overturned').notNull(),
  autoWrites: integer('auto_writes').notNull(),
  announcedAt: timestamp('announced_at', { withTimezone: true, mode: 'date' })
    .notNull()
    .defaultNow(),
});
