import { z } from 'zod';
import { NOTE_TYPES } from '../domain/policy.js';
import { textProblem } from '../domain/text-check.js';
import { FIELD_TYPES, type PropertyDef, type PropertyValue } from '../domain/values.js';
import { ScoutError } from '../errors.js';
import { describeIssues, formatPath, parseJsonText } from '../input/located-issues.js';
import { readInputFile } from '../input/read-input-file.js';

const id = z.string().trim().min(1).max(200);
const propertyValue = z.union([z.string().max(65_536), z.number(), z.null()]);

export const seedSchema = z.strictObject({
  users: z
    .array(
      z.strictObject({
        id,
        name: z.string().min(1).max(200),
        email: z.email().nullable().optional(),
        slack_user_id: z
          .string()
          .regex(/^[UW][A-Z0-9]{2,}$/, 'must be a Slack user id such as U01ABCD')
          .nullable()
          .optional(),
      }),
    )
    .default([]),
  properties: z
    .array(
      z.strictObject({
        name: z
          .string()
          .regex(
            /^[a-z][a-z0-9_]{0,99}$/,
            'property names are lower-case letters, digits and underscores',
          ),
        label: z.string().min(1).max(200),
        type: z.enum(FIELD_TYPES),
        options: z.array(z.string().min(1).max(150)).min(1).optional(),
      }),
    )
    .default([]),
  deals: z
    .array(
      z.strictObject({
        id,
        name: z.string().min(1).max(500),
        owner_id: id.nullable().optional(),
        properties: z.record(z.string(), propertyValue).default({}),
        notes: z
          .array(
            z.strictObject({
              id,
              type: z.enum(NOTE_TYPES),
              created_at: z.iso.datetime({ offset: true }),
              body: z.string().max(1_000_000),
            }),
          )
          .default([]),
      }),
    )
    .default([]),
});

export type SeedFile = z.output<typeof seedSchema>;

/** Standard deal properties every CRM has; a seed may use them without declaring them. */
export const BUILTIN_DEAL_PROPERTIES: readonly PropertyDef[] = [
  { name: 'dealstage', label: 'Stage', type: 'text' },
  { name: 'amount', label: 'Amount', type: 'number' },
  { name: 'closedate', label: 'Close date', type: 'date' },
  { name: 'pipeline', label: 'Pipeline', type: 'text' },
];

/** What is already in the CRM, so a seed that adds to it can be checked against it. */
export interface ExistingCrm {
  readonly userIds: ReadonlySet<string>;
  readonly dealIds: ReadonlySet<string>;
  readonly noteIds: ReadonlySet<string>;
  readonly properties: ReadonlyMap<string, PropertyDef>;
}

/**
 * Reads and fully checks a seed file before anything is written: JSON syntax, shape,
 * unique ids (within the file and against the CRM), owners that exist, property
 * values of the declared type. Every problem is reported with its place.
 */
export function parseSeedText(
  text: string,
  source: string,
  existing: ExistingCrm,
): { seed: SeedFile; newProperties: PropertyDef[] } {
  const json = parseJsonText(text, source);
  if (!json.ok) throw new ScoutError('seed_invalid', `Invalid seed file:\n  ${json.message}`);
  const parsed = seedSchema.safeParse(json.value);
  if (!parsed.success) {
    throw new ScoutError(
      'seed_invalid',
      `Invalid seed file:\n  ${describeIssues(parsed.error.issues, source, text).join('\n  ')}`,
    );
  }
  const seed = parsed.data;
  const problems: Array<{ path: (string | number)[]; message: string }> = textProblems(seed);

  const properties = new Map(existing.properties);
  const newProperties: PropertyDef[] = [];
  seed.properties.forEach((p, i) => {
    const def: PropertyDef = {
      name: p.name,
      label: p.label,
      type: p.type,
      ...(p.options ? { options: p.options } : {}),
    };
    if (p.type === 'enum' && !p.options)
      problems.push({
        path: ['properties', i, 'options'],
        message: 'an enum property needs options',
      });
    if (p.type !== 'enum' && p.options)
      problems.push({
        path: ['properties', i, 'options'],
        message: `a ${p.type} property takes no options`,
      });
    const known = properties.get(p.name);
    if (known && !sameDef(known, def)) {
      problems.push({
        path: ['properties', i],
        message: `property ${p.name} is already defined differently in the CRM`,
      });
    } else if (!known) {
      properties.set(p.name, def);
      newProperties.push(def);
    }
  });
  for (const builtin of BUILTIN_DEAL_PROPERTIES) {
    if (!properties.has(builtin.name)) {
      properties.set(builtin.name, builtin);
      newProperties.push(builtin);
    }
  }

  const userIds = new Set(existing.userIds);
  seed.users.forEach((u, i) => {
    if (userIds.has(u.id))
      problems.push({ path: ['users', i, 'id'], message: `user id ${u.id} already exists` });
    userIds.add(u.id);
  });
  const dealIds = new Set(existing.dealIds);
  const noteIds = new Set(existing.noteIds);
  seed.deals.forEach((d, i) => {
    if (dealIds.has(d.id))
      problems.push({ path: ['deals', i, 'id'], message: `deal id ${d.id} already exists` });
    dealIds.add(d.id);
    if (d.owner_id && !userIds.has(d.owner_id)) {
      problems.push({
        path: ['deals', i, 'owner_id'],
        message: `owner ${d.owner_id} is not a user`,
      });
    }
    for (const [name, value] of Object.entries(d.properties)) {
      const def = properties.get(name);
      const message = def
        ? checkValue(def, value, userIds)
        : `property ${name} is not defined (declare it under "properties")`;
      if (message) problems.push({ path: ['deals', i, 'properties', name], message });
    }
    d.notes.forEach((n, j) => {
      if (noteIds.has(n.id))
        problems.push({
          path: ['deals', i, 'notes', j, 'id'],
          message: `note id ${n.id} already exists`,
        });
      noteIds.add(n.id);
    });
  });
  if (problems.length > 0) {
    const shown = problems
      .slice(0, 50)
      .map((p) => `${source}: ${formatPath(p.path)}: ${p.message}`);
    if (problems.length > 50) shown.push(`… and ${problems.length - 50} more`);
    throw new ScoutError(
      'seed_invalid',
      `Invalid seed file (nothing was loaded):\n  ${shown.join('\n  ')}`,
    );
  }
  return { seed, newProperties };
}

export function readSeedFile(
  path: string,
  existing: ExistingCrm,
): { seed: SeedFile; newProperties: PropertyDef[] } {
  return parseSeedText(readInputFile(path, 'seed_invalid', 'seed file'), path, existing);
}

/**
 * Control characters and lone surrogates in any stored text, named by deal and note id
 * and by character offset: the text itself is never repeated (it may be a customer's note).
 */
function textProblems(seed: SeedFile): Array<{ path: (string | number)[]; message: string }> {
  const problems: Array<{ path: (string | number)[]; message: string }> = [];
  const check = (path: (string | number)[], owner: string, text: unknown) => {
    const problem = typeof text === 'string' ? textProblem(text) : null;
    if (problem) problems.push({ path, message: `${owner}: ${problem}` });
  };
  seed.users.forEach((u, i) => {
    check(['users', i, 'id'], 'a user id', u.id);
    check(['users', i, 'name'], `user ${u.id}'s name`, u.name);
  });
  seed.properties.forEach((p, i) => {
    check(['properties', i, 'label'], `property ${p.name}'s label`, p.label);
    for (const [j, o] of (p.options ?? []).entries())
      check(['properties', i, 'options', j], `an option of property ${p.name}`, o);
  });
  seed.deals.forEach((d, i) => {
    check(['deals', i, 'id'], 'a deal id', d.id);
    const deal = textProblem(d.id) ? `deal #${i + 1}` : `deal ${d.id}`;
    check(['deals', i, 'name'], `${deal}'s name`, d.name);
    for (const [name, value] of Object.entries(d.properties))
      check(['deals', i, 'properties', name], `${deal}, property ${name}`, value);
    d.notes.forEach((n, j) => {
      check(['deals', i, 'notes', j, 'id'], `${deal}, a note id`, n.id);
      const note = textProblem(n.id) ? `note #${j + 1}` : `note ${n.id}`;
      check(['deals', i, 'notes', j, 'body'], `${deal}, ${note}`, n.body);
    });
  });
  return problems;
}

function sameDef(a: PropertyDef, b: PropertyDef): boolean {
  return (
    a.type === b.type && JSON.stringify(a.options ?? null) === JSON.stringify(b.options ?? null)
  );
}

function checkValue(
  def: PropertyDef,
  value: PropertyValue,
  userIds: ReadonlySet<string>,
): string | null {
  if (value === null) return null;
  switch (def.type) {
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? null
        : `${def.name} is a number property`;
    case 'text':
      return typeof value === 'string' ? null : `${def.name} is a text property`;
    case 'date':
      return typeof value === 'string' && (value === '' || /^\d{4}-\d{2}-\d{2}$/.test(value))
        ? null
        : `${def.name} is a date property (YYYY-MM-DD)`;
    case 'enum':
      return typeof value === 'string' && (value === '' || (def.options ?? []).includes(value))
        ? null
        : `${JSON.stringify(value)} is not an option of ${def.name} (${(def.options ?? []).join(', ')})`;
    case 'user':
      return typeof value === 'string' && (value === '' || userIds.has(value))
        ? null
        : `${JSON.stringify(value)} is not a user`;
  }
}
