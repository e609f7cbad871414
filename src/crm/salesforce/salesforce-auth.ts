import { sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ScoutError } from '../../errors.js';
import { oauthErrorSchema, tokenSchema } from './wire.js';

/** Where the access token and the org's instance URL come from, and how a fresh one is had. */
export interface SessionSource {
  current(): Promise<Session>;
  /** A new session after a 401; throws when there is no way to get one. */
  refresh(stale: Session): Promise<Session>;
}

export interface Session {
  readonly accessToken: string;
  readonly instanceUrl: string;
}

/** A session id given by hand (development): it cannot be refreshed. */
export function staticSession(instanceUrl: string, accessToken: string): SessionSource {
  const session = { accessToken, instanceUrl: instanceUrl.replace(/\/+$/, '') };
  return {
    current: async () => session,
    refresh: async () => {
      throw new ScoutError(
        'crm_failed',
        'Salesforce rejected SALESFORCE_ACCESS_TOKEN (expired or revoked); give a fresh one, or use the JWT bearer flow, which refreshes itself',
      );
    },
  };
}

export interface JwtSettings {
  readonly loginUrl: string;
  readonly clientId: string;
  readonly username: string;
  readonly privateKeyFile: string;
  readonly timeoutMs?: number;
}

/**
 * The OAuth 2.0 JWT bearer flow for a connected app: an RS256-signed assertion (issuer the
 * consumer key, subject the integration user, audience the login URL, three minutes to live)
 * is traded for a session. Concurrent 401s share one exchange; the token is never logged.
 */
export function jwtSession(settings: JwtSettings): SessionSource {
  const login = settings.loginUrl.replace(/\/+$/, '');
  let session: Promise<Session> | null = null;
  const exchange = async (): Promise<Session> => {
    let key: string;
    try {
      key = readFileSync(settings.privateKeyFile, 'utf8');
    } catch (error) {
      throw new ScoutError(
        'config_invalid',
        `cannot read SALESFORCE_PRIVATE_KEY_FILE ${settings.privateKeyFile}: ${(error as Error).message}`,
      );
    }
    const encode = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const unsigned = `${encode({ alg: 'RS256', typ: 'JWT' })}.${encode({
      iss: settings.clientId,
      sub: settings.username,
      aud: login,
      exp: Math.floor(Date.now() / 1000) + 180,
    })}`;
    const signature = sign('RSA-SHA256', Buffer.from(unsigned), key).toString('base64url');
    let response: Response;
    try {
      response = await fetch(`${login}/services/oauth2/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: new URLSearchParams({
          grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
          assertion: `${unsigned}.${signature}`,
        }).toString(),
        signal: AbortSignal.timeout(settings.timeoutMs ?? 30_000),
      });
    } catch (error) {
      throw new ScoutError(
        'crm_failed',
        `Salesforce's login (${login}) did not answer: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    const json: unknown = await response.json().catch(() => null);
    const ok = tokenSchema.safeParse(json);
    if (response.ok && ok.success)
      return {
        accessToken: ok.data.access_token,
        instanceUrl: ok.data.instance_url.replace(/\/+$/, ''),
      };
    const refused = oauthErrorSchema.safeParse(json);
    const why = refused.success
      ? `${refused.data.error}${refused.data.error_description ? ` (${refused.data.error_description})` : ''}`
      : `HTTP ${response.status}`;
    throw new ScoutError(
      'crm_failed',
      `Salesforce refused the JWT bearer login for ${settings.username}: ${why}. Check SALESFORCE_CLIENT_ID, that the connected app holds the certificate for SALESFORCE_PRIVATE_KEY_FILE, and that the user is pre-authorized (docs/salesforce.md)`,
    );
  };
  const start = () => {
    const loading = exchange();
    session = loading;
    loading.catch(() => {
      if (session === loading) session = null;
    });
    return loading;
  };
  return {
    current: () => session ?? start(),
    async refresh(stale) {
      const now = session ? await session.catch(() => null) : null;
      // Another request already replaced the stale session.
      if (now && now.accessToken !== stale.accessToken) return now;
      return start();
    },
  };
}
