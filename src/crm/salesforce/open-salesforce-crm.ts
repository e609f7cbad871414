import type { Config } from '../../config.js';
import { jwtSession, type SessionSource, staticSession } from './salesforce-auth.js';
import { createSalesforceCrm, type SalesforceCrm } from './salesforce-crm.js';
import { createSalesforceHttp, type RetryPolicy } from './salesforce-http.js';

type SalesforceConfig = Pick<
  Config,
  | 'SALESFORCE_LOGIN_URL'
  | 'SALESFORCE_CLIENT_ID'
  | 'SALESFORCE_USERNAME'
  | 'SALESFORCE_PRIVATE_KEY_FILE'
  | 'SALESFORCE_INSTANCE_URL'
  | 'SALESFORCE_ACCESS_TOKEN'
  | 'SALESFORCE_API_RESERVE'
>;

/** The Salesforce adapter from settings: the JWT bearer flow when configured, else a given session. */
export function openSalesforceCrm(
  config: SalesforceConfig,
  options: { retry?: RetryPolicy } = {},
): { crm: SalesforceCrm; close(): Promise<void> } {
  const session: SessionSource =
    config.SALESFORCE_CLIENT_ID && config.SALESFORCE_USERNAME && config.SALESFORCE_PRIVATE_KEY_FILE
      ? jwtSession({
          loginUrl: config.SALESFORCE_LOGIN_URL,
          clientId: config.SALESFORCE_CLIENT_ID,
          username: config.SALESFORCE_USERNAME,
          privateKeyFile: config.SALESFORCE_PRIVATE_KEY_FILE,
        })
      : staticSession(
          config.SALESFORCE_INSTANCE_URL as string,
          config.SALESFORCE_ACCESS_TOKEN as string,
        );
  const http = createSalesforceHttp({
    session,
    ...(options.retry ? { retry: options.retry } : {}),
  });
  return {
    crm: createSalesforceCrm(http, { reserve: config.SALESFORCE_API_RESERVE }),
    close: async () => {},
  };
}
