import { connect } from 'node:net';
import { SourceError } from './raw-reader';
import type { SourceSpec } from './source-uri';

/** A network source's server refused or did not answer a TCP connection (retryable). */
export class UnreachableError extends SourceError {
  constructor(message: string) {
    super(message, false);
    this.name = 'UnreachableError';
  }
}

const DEFAULT_PORTS: Record<string, number> = { rtsp: 554, rtsps: 322, http: 80, https: 443 };

/**
 * The TCP host and port of an rtsp(s):// or http(s):// source, or undefined for anything else (files,
 * devices, UDP, and TCP protocols whose reachability says too little to be worth a check).
 */
export function reachableAddress(spec: SourceSpec): { host: string; port: number } | undefined {
  if (spec.kind !== 'stream') return undefined;
  let url: URL;
  try {
    url = new URL(spec.uri);
  } catch {
    return undefined;
  }
  const scheme = url.protocol.replace(/:$/, '').toLowerCase();
  const fallback = DEFAULT_PORTS[scheme];
  if (fallback === undefined || !url.hostname) return undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return { host, port: url.port ? Number(url.port) : fallback };
}

/**
 * Resolves once a TCP connection to the source's server opens (and closes it at once); rejects with a
 * retryable {@link UnreachableError} naming the source (without credentials) when it is refused, unresolvable or
 * takes longer than `timeoutMs`. A reconnect loop calls it before spawning a decoder: while a camera is
 * away each attempt costs one connection attempt instead of a process start and a protocol handshake, so
 * retries can be frequent and the stream is picked up soon after it returns. Sources without a TCP
 * address ({@link reachableAddress}) pass at once.
 */
export function checkReachable(spec: SourceSpec, timeoutMs = 1000): Promise<void> {
  const address = reachableAddress(spec);
  if (!address) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const socket = connect({ host: address.host, port: address.port });
    const fail = (why: string) => {
      socket.destroy();
      reject(new UnreachableError(`${spec.display}: server unreachable (${why})`));
    };
    socket.setTimeout(timeoutMs, () => fail(`no answer in ${timeoutMs} ms`));
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
  });
}
