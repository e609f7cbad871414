import type { IncomingMessage } from 'node:http';

/** Names that resolve to this machine only; a page on any other name is a rebound DNS entry. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The header the page (and `scout demo --check`) sends the per-start token in. */
export const TOKEN_HEADER = 'x-scout-sandbox-token';

/**
 * Why a sandbox request is refused, or null. Any request must name a loopback host (a
 * DNS-rebinding page names its own); a state-changing call must also be JSON (a
 * cross-site form or `text/plain` POST is not, and JSON needs a CORS preflight the
 * sandbox never grants), come from the sandbox's own origin, and carry the token that
 * only the sandbox's own page was given.
 */
export function sandboxRefusal(
  req: IncomingMessage,
  options: { port: number; token: string; stateChanging: boolean },
): string | null {
  const host = req.headers.host ?? '';
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  if (!LOOPBACK_HOSTS.has(hostname)) return 'the sandbox answers only on a loopback address';
  if (!options.stateChanging) return null;
  const mediaType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') return 'a sandbox call must be application/json';
  const origin = req.headers.origin;
  if (origin !== `http://${hostname}:${options.port}`)
    return 'a sandbox call must come from the sandbox page itself';
  if (req.headers[TOKEN_HEADER] !== options.token) return 'a sandbox call needs the page token';
  return null;
}
