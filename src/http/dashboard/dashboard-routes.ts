import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Db } from '../../db/client.js';
import type { Policy } from '../../domain/policy.js';
import type { Logger } from '../../logger.js';
import { collectDashboard } from './dashboard-data.js';
import { dashboardPage, loginPage } from './dashboard-page.js';

const COOKIE = 'scout_dashboard';
const SESSION_SECONDS = 12 * 3600;
const MAX_FORM_BYTES = 4096;
const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  // Nothing but this page: no script at all, no request to anywhere else.
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

export interface DashboardDeps {
  /** SCOUT_DASHBOARD_TOKEN; without it the dashboard is off (404). */
  readonly token: string | undefined;
  readonly db: Db;
  readonly policy: Policy;
  readonly logger: Logger;
  readonly clock: () => Date;
}

/** Equal strings, compared in constant time. */
function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The cookie proves the token was given without holding it: an HMAC keyed by the token. */
function sessionValue(token: string): string {
  return createHmac('sha256', token).update('scout-dashboard-session-v1').digest('base64url');
}

function cookieOf(req: IncomingMessage, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

/** A bearer header with the token, or the session cookie the login form set. */
export function authorized(req: IncomingMessage, token: string): boolean {
  const auth = req.headers.authorization ?? '';
  if (auth.startsWith('Bearer ') && same(auth.slice(7).trim(), token)) return true;
  const cookie = cookieOf(req, COOKIE);
  return cookie !== null && same(cookie, sessionValue(token));
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

function send(
  res: ServerResponse,
  status: number,
  html: string,
  extra: Record<string, string> = {},
) {
  res.writeHead(status, { ...HEADERS, ...extra });
  res.end(html);
}

/**
 * `/dashboard` on `serve` (docs/guarantees.md#g27), refused without SCOUT_DASHBOARD_TOKEN: a bearer
 * header, or the login form's cookie (HttpOnly, SameSite=Strict, 12 hours). Answers
 * true when the request was the dashboard's.
 */
export function dashboardRoutes(deps: DashboardDeps) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = req.url?.split('?')[0] ?? '';
    if (path !== '/dashboard' && !path.startsWith('/dashboard/')) return false;
    const token = deps.token;
    if (!token) {
      send(res, 404, loginPage('The dashboard is off: set SCOUT_DASHBOARD_TOKEN to turn it on.'));
      return true;
    }
    const secure = req.headers['x-forwarded-proto'] === 'https' ? '; Secure' : '';
    if (path === '/dashboard/login' && req.method === 'POST') {
      const form = await readForm(req);
      const given = form?.get('token') ?? '';
      if (!same(given, token)) {
        deps.logger.warn('dashboard sign-in refused: wrong token');
        send(res, 401, loginPage('That is not the dashboard token.'));
        return true;
      }
      send(res, 303, '', {
        location: '/dashboard',
        'set-cookie': `${COOKIE}=${sessionValue(token)}; HttpOnly; SameSite=Strict; Path=/dashboard; Max-Age=${SESSION_SECONDS}${secure}`,
      });
      return true;
    }
    if (path === '/dashboard/logout') {
      send(res, 303, '', {
        location: '/dashboard',
        'set-cookie': `${COOKIE}=; HttpOnly; SameSite=Strict; Path=/dashboard; Max-Age=0${secure}`,
      });
      return true;
    }
    if (req.method !== 'GET' || (path !== '/dashboard' && path !== '/dashboard/')) {
      send(res, 404, loginPage(null));
      return true;
    }
    if (!authorized(req, token)) {
      send(res, 401, loginPage(null), { 'www-authenticate': 'Bearer realm="scout-dashboard"' });
      return true;
    }
    try {
      send(res, 200, dashboardPage(await collectDashboard(deps.db, deps.policy, deps.clock())));
    } catch (error) {
      deps.logger.error({ err: (error as Error).message }, 'the dashboard could not be built');
      send(res, 503, loginPage('The dashboard could not read the database; try again shortly.'));
    }
    return true;
  };
}
