/**
 * BullMQ job ids may not contain `:` (its key separator) and must not look like
 * integers; CRM ids can be anything, so unusual characters are percent-encoded.
 */
export function jobId(...parts: readonly (string | number)[]): string {
  return parts.map((p) => encodeURIComponent(String(p)).replace(/[.*'()!~]/g, percent)).join('-');
}

function percent(c: string): string {
  return `%${c.charCodeAt(0).toString(16).toUpperCase()}`;
}

export const dealJobId = (runId: string, dealId: string) => jobId('deal', runId, dealId);
export const applyJobId = (proposalId: string, version: number) =>
  jobId('apply', proposalId, `v${version}`);
