import { z } from 'zod';

/**
 * The values Scout puts on its buttons, menus and modals, as the listeners read them back.
 * A value is JSON the blocks wrote; whatever arrives is checked against its exact shape,
 * and anything else (a forged or stale value) fails the parse, never a listener.
 */
const scoutValue = <T extends z.ZodType>(shape: T, what: string) =>
  z.string().transform((s, ctx): z.output<T> => {
    try {
      return shape.parse(JSON.parse(s));
    } catch {
      ctx.addIssue({ code: 'custom', message: `not a Scout ${what}` });
      return z.NEVER;
    }
  });

// Ids the database can hold: no control characters (Postgres text refuses NUL), versions
// and row ids within their columns' ranges, so a forged value fails here, not in a query.
const dbText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !/\p{Cc}/u.test(s), 'no control characters');
const proposalId = dbText(100);
const version = z.number().int().min(1).max(2_147_483_647);

/** Approve, Reject, Edit… and Undo on a card, and the edit modal's metadata: a proposal at a version. */
export const proposalButton = scoutValue(
  z.strictObject({ p: proposalId, v: version }),
  'button value',
);

/** Undo on a write notice (issue 18): the change, a provenance row id. */
export const changeButton = scoutValue(
  z.strictObject({ c: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER) }),
  'button value',
);

/** A reject-reason option (`r` set) or the "other" modal's metadata (`p` only). */
export const reasonChoice = scoutValue(
  z.strictObject({ p: proposalId, r: dbText(40).optional() }),
  'reason value',
);

/** "Use as ‹label›" and "Not useful": a suggestion at a version. */
export const offerButton = scoutValue(
  z.strictObject({ s: dbText(100), v: version }),
  'button value',
);

/** "Use all": every open suggestion of a deal in a run. */
export const useAllButton = scoutValue(
  z.strictObject({ r: dbText(100), d: dbText(200) }),
  'button value',
);

/** Deal summary buttons and options: a deal id and, for "why", a field name. */
export const summaryValue = scoutValue(
  z.strictObject({ d: dbText(500), f: dbText(100).optional() }),
  'deal summary value',
);

/** "Undo this run" on `/scout undo`'s confirmation: a run id. */
export const runButton = scoutValue(z.strictObject({ r: dbText(100) }), 'button value');
