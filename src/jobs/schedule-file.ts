import { CronExpressionParser } from 'cron-parser';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { ScoutError } from '../errors.js';
import { describeIssues } from '../input/located-issues.js';
import { readInputFile } from '../input/read-input-file.js';
import type { Schedule } from '../services/ports/job-system.js';

const timezone = z.string().refine((tz) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA time zone (for example Europe/Berlin or America/New_York)');

const scheduleSchema = z
  .strictObject({
    id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'use lowercase letters, digits, - and _ (up to 63)'),
    cron: z.string().min(1),
    timezone: timezone.default('UTC'),
    apply: z.boolean().default(false),
    deals: z.array(z.string().min(1)).min(1).optional(),
    limit: z.number().int().min(1).optional(),
  })
  .superRefine((s, ctx) => {
    try {
      CronExpressionParser.parse(s.cron, { tz: s.timezone, strict: false });
    } catch (error) {
      ctx.addIssue({
        code: 'custom',
        path: ['cron'],
        message: `not a cron expression: ${(error as Error).message}`,
      });
    }
  });

const fileSchema = z
  .strictObject({ version: z.literal(1), schedules: z.array(scheduleSchema).default([]) })
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.schedules.forEach((s, i) => {
      if (seen.has(s.id))
        ctx.addIssue({
          code: 'custom',
          path: ['schedules', i, 'id'],
          message: `duplicate id ${s.id}`,
        });
      seen.add(s.id);
    });
  });

/** Parses a schedules file; every problem is listed with its line, and none is half-applied. */
export function parseSchedulesText(text: string, source: string): Schedule[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map((e) => {
      const pos = e.linePos?.[0];
      return `${source}${pos ? `:${pos.line}:${pos.col}` : ''}: ${(e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '')}`;
    });
    throw new ScoutError('schedules_invalid', `Invalid schedules file:\n  ${lines.join('\n  ')}`);
  }
  const parsed = fileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const lines = describeIssues(parsed.error.issues, source, text);
    throw new ScoutError('schedules_invalid', `Invalid schedules file:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data.schedules.map((s) => ({
    id: s.id,
    cron: s.cron,
    timezone: s.timezone,
    apply: s.apply,
    ...(s.deals ? { dealIds: s.deals } : {}),
    ...(s.limit !== undefined ? { limit: s.limit } : {}),
  }));
}

export function loadSchedulesFile(path: string): Schedule[] {
  return parseSchedulesText(readInputFile(path, 'schedules_invalid', 'schedules file'), path);
}
