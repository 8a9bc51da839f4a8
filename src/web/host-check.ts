/**
 * Host header check against DNS rebinding: a page on evil.example whose name is re-pointed to 127.0.0.1
 * reaches a loopback server from the victim's browser, but its requests still say `Host: evil.example`.
 * A loopback bind therefore answers only requests addressed to a loopback name or address (or to a name
 * in `web.allowedHosts`); the others get 421 Misdirected Request. A reachable bind is protected by its
 * token, and checks the Host header only when `allowedHosts` is set.
 */
import { isLoopbackHost } from './auth';

/** The host name of a Host header: lower case, without port, brackets or trailing dot. */
export function hostOfHeader(header: string): string {
  const h = header.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end < 0 ? h : h.slice(1, end);
  }
  const colon = h.lastIndexOf(':');
  const name = colon >= 0 && /^\d*$/.test(h.slice(colon + 1)) ? h.slice(0, colon) : h;
  return name.endsWith('.') ? name.slice(0, -1) : name;
}

/** Whether `host` (a header's host name) matches a `web.allowedHosts` entry: exact, or `.example.com` for any subdomain. */
function matchesAllowed(host: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) => {
    const e = entry.trim().toLowerCase();
    return e.startsWith('.') ? host === e.slice(1) || host.endsWith(e) : host === hostOfHeader(e);
  });
}

/**
 * The Host check of a server bound to `bindHost`: returns whether a request with this Host header may be
 * served. Loopback binds accept loopback names and addresses plus `allowedHosts`; other binds accept any
 * Host unless `allowedHosts` is set. A request without a Host header is refused wherever a check applies.
 */
export function hostChecker(
  bindHost: string,
  allowedHosts: readonly string[] = [],
): (hostHeader: string | undefined) => boolean {
  const loopback = isLoopbackHost(bindHost);
  if (!loopback && allowedHosts.length === 0) return () => true;
  return (header) => {
    if (!header) return false;
    const host = hostOfHeader(header);
    return (loopback && isLoopbackHost(host)) || matchesAllowed(host, allowedHosts);
  };
}
