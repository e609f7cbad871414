import { ScoutError } from '../../errors.js';
import type { SalesforceErrorBody } from './wire.js';

/** What a request was for, so an error can name the deal and the field in plain words. */
export interface RequestPurpose {
  readonly action: string;
  readonly dealId?: string;
  /** Scout's name and Salesforce's API name, e.g. "economic_buyer (Economic_Buyer__c)". */
  readonly field?: string;
}

/** A refusal or failure from Salesforce, explained for the operator; `status` 0 means no answer arrived. */
export class SalesforceError extends ScoutError {
  constructor(
    readonly status: number,
    readonly errorCode: string | undefined,
    message: string,
    options?: { cause?: unknown },
  ) {
    super('crm_failed', message, options);
  }

  /** The org's daily allocation is spent, or the credentials or permissions are wrong: nothing else can succeed. */
  get fatal(): boolean {
    return (
      this.status === 401 ||
      this.errorCode === 'REQUEST_LIMIT_EXCEEDED' ||
      this.errorCode === 'API_DISABLED_FOR_ORG' ||
      this.errorCode === 'INSUFFICIENT_ACCESS'
    );
  }
}

/** Turns Salesforce's status and first error into a sentence that says what failed and what to do. */
export function explainFailure(
  status: number,
  body: SalesforceErrorBody | null,
  purpose: RequestPurpose,
): SalesforceError {
  const code = body?.errorCode;
  const said = body?.message ? `: ${body.message.trim()}` : '';
  const field = purpose.field ? `field ${purpose.field}` : 'the field';
  const deal = purpose.dealId ? `deal ${purpose.dealId}` : 'the deal';
  let text: string;
  switch (code) {
    case 'INVALID_FIELD_FOR_INSERT_UPDATE':
      text = `Salesforce's field-level security does not let Scout edit ${field} on ${deal}: give Scout's permission set Edit access to the field (see docs/salesforce.md)`;
      break;
    case 'FIELD_CUSTOM_VALIDATION_EXCEPTION':
      text = `A validation rule in Salesforce refused ${field} on ${deal}${said}`;
      break;
    // Salesforce's own words for these two quote the value, which came from a note: left out.
    case 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST':
      text = `Salesforce refused the value for ${field} on ${deal}: it is not one of the picklist's values`;
      break;
    case 'STRING_TOO_LONG':
      text = `The value for ${field} on ${deal} is longer than the field allows in Salesforce`;
      break;
    case 'REQUEST_LIMIT_EXCEEDED':
      text = `Salesforce refused to ${purpose.action}: the org's API request limit is exceeded${said}`;
      break;
    case 'INSUFFICIENT_ACCESS':
    case 'INSUFFICIENT_ACCESS_OR_READONLY':
    case 'API_DISABLED_FOR_ORG':
      text = `Salesforce does not let Scout's integration user ${purpose.action}${purpose.dealId ? ` (deal ${purpose.dealId})` : ''}${said}; check its permission set (see docs/salesforce.md)`;
      break;
    default:
      if (status === 401)
        text = `Salesforce rejected the session while trying to ${purpose.action}: check SALESFORCE_ACCESS_TOKEN, or the connected app and SALESFORCE_USERNAME for the JWT flow`;
      else if (status === 404 && purpose.dealId)
        text = `Deal ${purpose.dealId} was not found in Salesforce (deleted or merged?) while trying to ${purpose.action}`;
      else if (status === 0)
        text = `Salesforce did not answer while Scout tried to ${purpose.action}${said}`;
      else if (status >= 500)
        text = `Salesforce failed (HTTP ${status}) while Scout tried to ${purpose.action}${said}`;
      else {
        const target = [
          purpose.field ? `field ${purpose.field}` : null,
          purpose.dealId ? `deal ${purpose.dealId}` : null,
        ]
          .filter((p) => p !== null)
          .join(' on ');
        text = `Salesforce refused to ${purpose.action}${target ? ` (${target})` : ''} (HTTP ${status}${code ? ` ${code}` : ''})${said}`;
      }
  }
  return new SalesforceError(status, code, text);
}
