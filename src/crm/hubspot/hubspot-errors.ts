import { ScoutError } from '../../errors.js';
import type { ErrorBody } from './wire.js';

/** What a request was for, so an error can name the deal and the field in plain words. */
export interface RequestPurpose {
  /** "read deals", "write scout_economic_buyer on deal 123", … */
  readonly action: string;
  readonly dealId?: string;
  readonly field?: string;
}

/** A refusal or failure from HubSpot, explained for the operator; `status` 0 means no answer arrived. */
export class HubSpotError extends ScoutError {
  constructor(
    readonly status: number,
    readonly category: string | undefined,
    readonly correlationId: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('crm_failed', message, options);
  }

  /** The token or its scopes are wrong: no other request can succeed either. */
  get fatal(): boolean {
    return this.status === 401 || this.status === 403;
  }
}

/** Turns HubSpot's status and error body into a sentence that says what failed and what to do. */
export function explainFailure(
  status: number,
  body: ErrorBody | null,
  purpose: RequestPurpose,
): HubSpotError {
  const said = body?.message ? `: ${body.message}` : '';
  const ref = body?.correlationId ? ` (HubSpot correlation id ${body.correlationId})` : '';
  const target = [
    purpose.field ? `property ${purpose.field}` : null,
    purpose.dealId ? `deal ${purpose.dealId}` : null,
  ]
    .filter((p) => p !== null)
    .join(' on ');
  const about = target ? ` (${target})` : '';
  let text: string;
  if (status === 401) {
    text = `HubSpot rejected the access token while trying to ${purpose.action}${about}: check HUBSPOT_ACCESS_TOKEN (it may be mistyped, expired or revoked)`;
  } else if (status === 403) {
    const scopes = body?.errors?.flatMap((e) => e.context?.requiredGranularScopes ?? []) ?? [];
    text =
      body?.category === 'MISSING_SCOPES'
        ? `The HubSpot private app is missing a scope needed to ${purpose.action}${about}${scopes.length > 0 ? `: grant ${scopes.join(' or ')}` : ''} (see "HubSpot scopes" in docs/hubspot.md)`
        : `HubSpot refused to let Scout ${purpose.action}${about}${said}`;
  } else if (status === 404) {
    text = purpose.dealId
      ? `Deal ${purpose.dealId} was not found in HubSpot (deleted or merged?) while trying to ${purpose.action}`
      : `HubSpot has no such thing while trying to ${purpose.action}${about}${said}`;
  } else if (status === 429) {
    text = `HubSpot's rate limit stopped Scout from trying to ${purpose.action}${about} after every retry${said}`;
  } else if (status >= 500) {
    text = `HubSpot failed (HTTP ${status}) while Scout tried to ${purpose.action}${about}${said}`;
  } else if (status === 0) {
    text = `HubSpot did not answer while Scout tried to ${purpose.action}${about}${said}`;
  } else {
    const category = body?.category ? ` [${body.category}]` : '';
    text = `HubSpot refused to ${purpose.action}${about} (HTTP ${status}${category})${said}`;
  }
  return new HubSpotError(status, body?.category, body?.correlationId, `${text}${ref}`);
}
