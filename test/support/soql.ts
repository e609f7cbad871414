/**
 * The part of SOQL the Salesforce stand-in answers, parsed as Salesforce's SOQL reference
 * writes it: `SELECT f, … | COUNT() FROM Object [WHERE cond (AND cond)*] [ORDER BY f [ASC|DESC], …]
 * [LIMIT n]`, a condition being `field op literal` (op one of = != < > <= >=) or
 * `field IN (literal, …)`; literals are quoted strings (backslash escapes), numbers,
 * true, false, null, or bare dates and datetimes. Anything else is a MALFORMED_QUERY, as it
 * would be for a query Salesforce cannot parse.
 */
export type Literal = string | number | boolean | null;

export interface Condition {
  readonly field: string;
  readonly op: '=' | '!=' | '<' | '>' | '<=' | '>=' | 'IN';
  readonly value: Literal | readonly Literal[];
}

export interface SoqlQuery {
  readonly fields: readonly string[] | 'COUNT';
  readonly object: string;
  readonly where: readonly Condition[];
  readonly orderBy: ReadonlyArray<{ field: string; desc: boolean }>;
  readonly limit: number | null;
}

export class SoqlError extends Error {}

const TOKEN =
  /\s*(?:('(?:\\.|[^'\\])*')|(\d{4}-\d{2}-\d{2}(?:T[\d:.]+(?:Z|[+-]\d{2}:\d{2}))?)|(-?\d+(?:\.\d+)?)|([A-Za-z_][A-Za-z0-9_.]*)|(<=|>=|!=|[=<>(),]))/y;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (!m) throw new SoqlError(`unexpected token at position ${at}`);
    out.push(m[0].trim());
  }
  return out;
}

export function parseSoql(text: string): SoqlQuery {
  const t = tokenize(text);
  let i = 0;
  const peek = () => t[i];
  const upper = () => t[i]?.toUpperCase();
  const take = (expected?: string): string => {
    const token = t[i];
    if (token === undefined) throw new SoqlError('unexpected end of query');
    if (expected && token.toUpperCase() !== expected)
      throw new SoqlError(`expecting ${expected}, found ${token}`);
    i += 1;
    return token;
  };
  take('SELECT');
  let fields: string[] | 'COUNT';
  if (upper() === 'COUNT') {
    take('COUNT');
    take('(');
    take(')');
    fields = 'COUNT';
  } else {
    fields = [take()];
    while (peek() === ',') {
      take(',');
      fields.push(take());
    }
  }
  take('FROM');
  const object = take();
  const where: Condition[] = [];
  if (upper() === 'WHERE') {
    take('WHERE');
    do {
      if (upper() === 'AND') take('AND');
      const field = take();
      const op = take().toUpperCase();
      if (op === 'IN') {
        take('(');
        const values: Literal[] = [literal(take())];
        while (peek() === ',') {
          take(',');
          values.push(literal(take()));
        }
        take(')');
        where.push({ field, op: 'IN', value: values });
      } else if (['=', '!=', '<', '>', '<=', '>='].includes(op)) {
        where.push({ field, op: op as Condition['op'], value: literal(take()) });
      } else throw new SoqlError(`unexpected operator ${op}`);
    } while (upper() === 'AND');
  }
  const orderBy: Array<{ field: string; desc: boolean }> = [];
  if (upper() === 'ORDER') {
    take('ORDER');
    take('BY');
    do {
      if (peek() === ',') take(',');
      const field = take();
      let desc = false;
      if (upper() === 'ASC') take('ASC');
      else if (upper() === 'DESC') {
        take('DESC');
        desc = true;
      }
      orderBy.push({ field, desc });
    } while (peek() === ',');
  }
  let limit: number | null = null;
  if (upper() === 'LIMIT') {
    take('LIMIT');
    limit = Number(take());
    if (!Number.isInteger(limit) || limit < 0) throw new SoqlError('LIMIT must be an integer');
  }
  if (i !== t.length) throw new SoqlError(`unexpected token: ${t[i]}`);
  return { fields, object, where, orderBy, limit };
}

function literal(token: string): Literal {
  if (token.startsWith("'")) return token.slice(1, -1).replace(/\\(.)/g, '$1');
  const u = token.toUpperCase();
  if (u === 'TRUE') return true;
  if (u === 'FALSE') return false;
  if (u === 'NULL') return null;
  if (/^\d{4}-\d{2}-\d{2}/.test(token)) return token;
  const n = Number(token);
  if (Number.isFinite(n)) return n;
  throw new SoqlError(`unexpected literal ${token}`);
}

/** Salesforce compares ids and strings case-sensitively in ORDER BY Id; plain code-unit order here. */
export function compareValues(a: unknown, b: unknown): number {
  if (a === b) return 0;
  if (a === null || a === undefined) return -1;
  if (b === null || b === undefined) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a) < String(b) ? -1 : 1;
}

export function matches(value: unknown, c: Condition): boolean {
  if (c.op === 'IN') return (c.value as Literal[]).some((v) => compareValues(value, v) === 0);
  const v = c.value as Literal;
  if (v === null) return c.op === '=' ? value == null : c.op === '!=' ? value != null : false;
  if (value === null || value === undefined) return c.op === '!=';
  const d = compareValues(value, v);
  switch (c.op) {
    case '=':
      return d === 0;
    case '!=':
      return d !== 0;
    case '<':
      return d < 0;
    case '>':
      return d > 0;
    case '<=':
      return d <= 0;
    case '>=':
      return d >= 0;
  }
}
