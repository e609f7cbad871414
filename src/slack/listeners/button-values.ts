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

const proposalId = z.string().min(1).max(100);
const version = z.number().int().min(1);

/** Approve, Reject, Edit… and Undo on a card, and the edit modal's metadata: a proposal at a version. */
export const proposalButton = scoutValue(
  z.strictObject({ p: proposalId, v: version }),
  'button value',
);

/** Undo on a write notice (issue 18): the change, a provenance row id. */
export const changeButton = scoutValue(
  z.strictObject({ c: z.number().int().min(1) }),
  'button value',
);

/** A reject-reason option (`r` set) or the "other" modal's metadata (`p` only). */
export const reasonChoice = scoutValue(
  z.strictObject({ p: proposalId, r: z.string().min(1).max(40).optional() }),
  'reason value',
);

/** "Use as ‹label›" and "Not useful": a suggestion at a version. */
export const offerButton = scoutValue(
  z.strictObject({ s: z.string().min(1).max(100), v: version }),
  'button value',
);

/** "Use all": every open suggestion of a deal in a run. */
export const useAllButton = scoutValue(
  z.strictObject({ r: z.string().min(1).max(100), d: z.string().min(1).max(200) }),
  'button value',
);

/** Deal summary buttons and options: a deal id and, for "why", a field name. */
export const summaryValue = scoutValue(
  z.strictObject({ d: z.string().min(1).max(500), f: z.string().min(1).max(100).optional() }),
  'deal summary value',
);

/** "Undo this run" on `/scout undo`'s confirmation: a run id. */
export const runButton = scoutValue(
  z.strictObject({ r: z.string().min(1).max(100) }),
  'button value',
);
