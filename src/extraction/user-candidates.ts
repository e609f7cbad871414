import type { CrmNote } from '../services/ports/crm.js';

/** Users listed for one deal at most: enough for its owner and the people its notes name. */
export const MAX_USER_CANDIDATES = 25;

/**
 * The users worth listing for one deal's user fields, instead of the whole CRM: the
 * deal's owner first, then every user whose full name appears in its notes
 * (case-insensitive, whole words), in the CRM's order, up to `max`. A CRM user carries
 * no team in Scout's CRM port, so the owner's team cannot be added; a user named only by
 * first name is not matched (too many false friends).
 */
export function userCandidates(input: {
  ownerId: string | null;
  notes: readonly Pick<CrmNote, 'body'>[];
  users: readonly { readonly id: string; readonly name: string }[];
  max?: number;
}): { id: string; name: string }[] {
  const max = input.max ?? MAX_USER_CANDIDATES;
  const text = input.notes
    .map((n) => n.body)
    .join('\n')
    .toLowerCase();
  const owner = input.users.find((u) => u.id === input.ownerId);
  const named = input.users.filter((u) => u.id !== input.ownerId && mentions(text, u.name));
  return [...(owner ? [owner] : []), ...named]
    .slice(0, max)
    .map((u) => ({ id: u.id, name: u.name }));
}

function mentions(text: string, name: string): boolean {
  const needle = name.trim().toLowerCase();
  if (needle.length < 3) return false;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + 1)) {
    const before = text[at - 1];
    const after = text[at + needle.length];
    if (!isWordChar(before) && !isWordChar(after)) return true;
  }
  return false;
}

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}_]/u.test(c);
