/**
 * Access rules of the web server: open on a loopback address, token-protected everywhere else. The token
 * comes from the config (`web.token`) or RXVISION_WEB_TOKEN and is accepted as `Authorization: Bearer`,
 * as `?token=` (for the browser's page and image URLs) or as the cookie set after a `?token=` visit (so
 * images and report files load). It is compared in constant time and never logged.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';

/** The environment variable read when the config has no `web.token`. */
export const TOKEN_ENV = 'RXVISION_WEB_TOKEN';
/** The cookie carrying the token after a `?token=` visit. */
export const TOKEN_COOKIE = 'rxvision_token';

/** A web setting that makes the server refuse to start (the CLI exits with code 2). */
export class WebConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebConfigError';
  }
}

/** True for addresses only this machine can reach: localhost, 127.0.0.0/8, ::1 (also IPv4-mapped). */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  const v4 = h.startsWith('::ffff:') ? h.slice('::ffff:'.length) : h;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  if (isIP(h) === 6) return new URL(`http://[${h}]/`).hostname === '[::1]'; // URL normalises IPv6
  return false;
}

/** The token to require: the config's, else the environment's, else none. Empty strings count as none. */
export function resolveWebToken(
  configToken: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): string | undefined {
  const token = configToken ?? env[TOKEN_ENV];
  return token && token.length > 0 ? token : undefined;
}

/** Throws {@link WebConfigError} when `host` is reachable from other machines and no token is set. */
export function assertBindAllowed(host: string, token: string | undefined): void {
  if (!token && !isLoopbackHost(host)) {
    throw new WebConfigError(
      `web.host is ${host}, which other machines can reach: set web.token (or the ${TOKEN_ENV} environment variable) ` +
        'to require a token, or bind to 127.0.0.1',
    );
  }
}

/** Reads a cookie value from a Cookie header. */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Where a request may carry its token. */
export interface TokenCarriers {
  authorization?: string;
  queryToken?: string;
  cookie?: string;
}

/** The token a request presents, if any: Bearer header first, then `?token=`, then the cookie. */
export function presentedToken(carriers: TokenCarriers): {
  token?: string;
  via?: 'header' | 'query' | 'cookie';
} {
  const m = /^Bearer\s+(.+)$/i.exec(carriers.authorization ?? '');
  if (m) return { token: m[1].trim(), via: 'header' };
  if (carriers.queryToken) return { token: carriers.queryToken, via: 'query' };
  const c = cookieValue(carriers.cookie, TOKEN_COOKIE);
  if (c) return { token: c, via: 'cookie' };
  return {};
}

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Constant-time comparison (of digests, so lengths leak nothing either). */
export function tokenMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined) return false;
  return timingSafeEqual(digest(expected), digest(given));
}
