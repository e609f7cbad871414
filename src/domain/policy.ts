import { z } from 'zod';
import { AGENT_PREFIX } from './values.js';

/** How the agent may touch a field (docs/guarantees.md#g1, G2). */
export const WRITE_MODES = ['suggest', 'approve', 'auto', 'never'] as const;
export type WriteMode = (typeof WRITE_MODES)[number];

export const NOTE_TYPES = ['call', 'meeting', 'email', 'email_reply', 'note'] as const;
export type NoteType = (typeof NOTE_TYPES)[number];

/** Where a dry run's approval cards go (policy `dry_run_cards`). */
export const DRY_RUN_AUDIENCES = ['ops', 'owners'] as const;
export type DryRunAudience = (typeof DRY_RUN_AUDIENCES)[number];

export const DEFAULT_THRESHOLDS = { auto: 0.9, propose: 0.5 } as const;

/**
 * Fields whose automatic change would move money, forecasts, ownership, a deal's outcome
 * or identity, or consent (docs/guarantees.md#g1). Matched after lower-casing and dropping
 * non-alphanumerics, so `close_date`, `closeDate`, `hs_lifecyclestage` and Salesforce's
 * `ForecastCategoryName` are all caught. Over-matching only costs the `auto` lane.
 */
const PROTECTED_STEMS = [
  'dealstage',
  'stage',
  'amount',
  'owner',
  'closedate',
  'pipeline',
  'lifecycle',
  'forecast',
  'probability',
  'revenue',
  'closedwon',
  'closedlost',
  'isclosed',
  'iswon',
  'teamid',
  'dealname',
  'legalbasis',
  'consent',
];

/**
 * Short CRM-native names, matched whole (as stems they would catch ordinary words):
 * HubSpot's revenue roll-ups and Salesforce's record name (`Name`, lower-cased as Scout
 * names Salesforce fields).
 */
const PROTECTED_NAMES = new Set([
  'hsarr',
  'hsacv',
  'hsmrr',
  'hstcv',
  'arr',
  'acv',
  'mrr',
  'tcv',
  'name',
]);

function stemOf(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, '');
}

export function isProtectedField(name: string): boolean {
  const stem = stemOf(name);
  return PROTECTED_NAMES.has(stem) || PROTECTED_STEMS.some((p) => stem.includes(p));
}

/**
 * The type rule: a date field whose name says "close" (`expected_close`, `close_by`) is a
 * close date under another name. Types live in the CRM, so this is checked where the
 * policy meets the CRM's property definitions.
 */
export function isProtectedByType(name: string, type: string): boolean {
  return type === 'date' && stemOf(name).includes('close');
}

/** The policy as a run applies it: an `auto` field that the type rule protects needs a person. */
export function guardByType(
  fields: ReadonlyMap<string, FieldPolicy>,
  types: ReadonlyMap<string, { readonly type: string }>,
): ReadonlyMap<string, FieldPolicy> {
  let guarded: Map<string, FieldPolicy> | undefined;
  for (const [name, field] of fields) {
    const type = types.get(name)?.type;
    if (field.write === 'auto' && type && isProtectedByType(name, type)) {
      guarded ??= new Map(fields);
      guarded.set(name, { ...field, write: 'approve' });
    }
  }
  return guarded ?? fields;
}

/** Names that would reach, or vanish into, an object's prototype when a policy is read. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

const probability = z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1');
const thresholdsSchema = z.strictObject({ auto: probability, propose: probability });
const slackUserId = z
  .string()
  .regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id such as U01ABCD');
const fieldName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,99}$/, 'field names are lower-case letters, digits and underscores')
  .refine(
    (n) => !n.startsWith(AGENT_PREFIX),
    'scout_* fields belong to the agent and are derived from the rep field',
  );

const fieldSchema = z.strictObject({
  write: z.enum(WRITE_MODES),
  label: z.string().trim().min(1).max(100).optional(),
  description: z.string().max(1000).optional(),
  max_length: z.number().int().min(1).max(65_536).optional(),
  /** Number fields: the smallest and largest value, and whole numbers only (a seat count). */
  min: z.number().finite().optional(),
  max: z.number().finite().optional(),
  integer: z.boolean().optional(),
  evidence: z.array(z.enum(NOTE_TYPES)).min(1).optional(),
  on_filled: z.enum(['skip', 'propose']).default('skip'),
  thresholds: thresholdsSchema.partial().optional(),
  /** `never` fields only: a cited finding is shown to the deal's owner as an unverified FYI. */
  notify_owner: z.boolean().default(false),
});

export const policySchema = z
  .strictObject({
    version: z.literal(1),
    thresholds: thresholdsSchema.partial().optional(),
    proposal_ttl_hours: z
      .number()
      .positive()
      .max(24 * 90)
      .default(72),
    approvers: z.array(slackUserId).default([]),
    /** Slack user groups whose members may decide on any deal, like `approvers`. */
    approver_groups: z
      .array(z.string().regex(/^S[A-Z0-9]{2,}$/, 'must be a Slack user group id such as S01ABCD'))
      .default([]),
    ops_admins: z.array(slackUserId).default([]),
    /**
     * Who may read `/deal-summary` answers: Slack user ids and user group ids. Absent means
     * everyone in the workspace (as before); an empty list means nobody.
     */
    viewers: z
      .array(
        z
          .string()
          .regex(/^([UW]|S)[A-Z0-9]{2,}$/, 'must be a Slack user id (U…) or user group id (S…)'),
      )
      .optional(),
    /** `/deal-summary`: the optional Claude narrative, off unless enabled here (and a key is set). */
    deal_summary: z
      .strictObject({
        narrative: z.boolean().default(false),
        narrative_days: z.number().int().min(1).max(90).default(7),
      })
      .default({ narrative: false, narrative_days: 7 }),
    /**
     * Who sees a dry run's cards: `ops` (the default) gets them in the ops channel as
     * previews with no buttons; `owners` sends them to the deal owners as in a live run, and
     * their decisions carry to the live proposals for the same changes.
     */
    dry_run_cards: z.enum(DRY_RUN_AUDIENCES).default('ops'),
    objects: z.strictObject({
      deal: z.strictObject({ fields: z.record(fieldName, fieldSchema) }),
    }),
  })
  .superRefine((policy, ctx) => {
    const base = { ...DEFAULT_THRESHOLDS, ...policy.thresholds };
    if (base.propose > base.auto) {
      ctx.addIssue({
        code: 'custom',
        path: ['thresholds'],
        message: 'propose must not be above auto',
      });
    }
    for (const [name, field] of Object.entries(policy.objects.deal.fields)) {
      const path = ['objects', 'deal', 'fields', name];
      if (field.write === 'auto' && isProtectedField(name)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'write'],
          message: `${name} can never be auto: stage, amount, owner, close date, pipeline, lifecycle, revenue, forecast, team, closed-won/lost, record-name and consent fields need a person`,
        });
      }
      if (field.notify_owner && field.write !== 'never') {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'notify_owner'],
          message: `notify_owner applies only to write: never fields (${name} is ${field.write})`,
        });
      }
      if (field.min !== undefined && field.max !== undefined && field.min > field.max) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'min'],
          message: `min (${field.min}) must not be above max (${field.max})`,
        });
      }
      const t = { ...base, ...field.thresholds };
      if (t.propose > t.auto) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'thresholds'],
          message: 'propose must not be above auto',
        });
      }
    }
  });

/** One field's policy with thresholds resolved against the defaults. */
export interface FieldPolicy {
  readonly name: string;
  readonly write: WriteMode;
  readonly label: string | undefined;
  readonly description: string | undefined;
  readonly maxLength: number | undefined;
  /** Number fields: bounds and whole numbers, checked on findings and on edits alike. */
  readonly min?: number;
  readonly max?: number;
  readonly integer?: boolean;
  readonly evidence: readonly NoteType[] | undefined;
  readonly onFilled: 'skip' | 'propose';
  readonly thresholds: { readonly auto: number; readonly propose: number };
  /** A `never` field whose cited findings the owner sees as an unverified FYI. */
  readonly notifyOwner?: boolean;
}

/** docs/guarantees.md#g25: where a policy was read from and the sha256 of its exact text. */
export interface PolicySource {
  readonly path: string;
  readonly sha256: string;
  readonly text: string;
}

export interface Policy {
  readonly version: 1;
  readonly proposalTtlHours: number;
  readonly approvers: readonly string[];
  readonly approverGroups: readonly string[];
  readonly opsAdmins: readonly string[];
  /** `/deal-summary` readers (user and user group ids); null: everyone in the workspace. */
  readonly viewers: readonly string[] | null;
  readonly dealSummary: { readonly narrative: boolean; readonly narrativeDays: number };
  /** Who gets a dry run's cards: ops as previews, or the deal owners to decide. */
  readonly dryRunCards: DryRunAudience;
  readonly dealFields: ReadonlyMap<string, FieldPolicy>;
  /** Set when the policy came from a file: every run records it (docs/guarantees.md#g25). */
  readonly source?: PolicySource;
}

/** Turns a schema-valid policy into the resolved form the decision table reads. */
export function resolvePolicy(parsed: z.output<typeof policySchema>): Policy {
  const base = { ...DEFAULT_THRESHOLDS, ...parsed.thresholds };
  const dealFields = new Map<string, FieldPolicy>();
  for (const [name, f] of Object.entries(parsed.objects.deal.fields)) {
    dealFields.set(name, {
      name,
      write: f.write,
      label: f.label,
      description: f.description,
      maxLength: f.max_length,
      ...(f.min !== undefined ? { min: f.min } : {}),
      ...(f.max !== undefined ? { max: f.max } : {}),
      ...(f.integer ? { integer: true } : {}),
      evidence: f.evidence,
      onFilled: f.on_filled,
      ...(f.notify_owner ? { notifyOwner: true } : {}),
      thresholds: { ...base, ...f.thresholds },
    });
  }
  return Object.freeze({
    version: 1,
    proposalTtlHours: parsed.proposal_ttl_hours,
    approvers: parsed.approvers,
    approverGroups: parsed.approver_groups,
    opsAdmins: parsed.ops_admins,
    viewers: parsed.viewers ?? null,
    dealSummary: {
      narrative: parsed.deal_summary.narrative,
      narrativeDays: parsed.deal_summary.narrative_days,
    },
    dryRunCards: parsed.dry_run_cards,
    dealFields,
  });
}
