/** SQLSTATEs worth retrying: the server went away, is starting/stopping, is overloaded, or a transaction lost a race. */
const TRANSIENT_SQLSTATES = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '53400', // configuration_limit_exceeded
  '57014', // query_canceled: statement_timeout hit on a server that stalls
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '58000', // system_error
  '58030', // io_error
]);

/** Socket-level error codes meaning "could not reach the database right now". */
const TRANSIENT_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  // DNS failing to resolve the host is usually the network or the resolver being away, not a typo that
  // lasts: the URL was checked when the database was opened.
  'ENOTFOUND',
]);

/** Messages node-postgres uses for dropped or timed-out connections (they carry no code). */
const TRANSIENT_MESSAGE =
  /query read timeout|connection terminated|connection timeout|timeout exceeded when trying to connect|encountered a connection error and is not queryable|server closed the connection unexpectedly/i;

/**
 * True for errors that may go away when retried (connection refused/reset, server shutdown, class 08
 * connection exceptions, too many connections, serialization failures and deadlocks); false for permanent
 * ones such as syntax errors or constraint violations.
 */
export function isTransientDbError(err: unknown, depth = 0): boolean {
  if (err === null || typeof err !== 'object' || depth > 4) return false;
  const e = err as { code?: unknown; message?: unknown; errors?: unknown; cause?: unknown };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code !== undefined) {
    if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_NODE_CODES.has(code) || /^08[0-9A-Z]{3}$/.test(code))
      return true;
  }
  if (typeof e.message === 'string' && TRANSIENT_MESSAGE.test(e.message)) return true;
  // `net` reports "connect to localhost" failures as an AggregateError over each address tried.
  if (Array.isArray(e.errors) && e.errors.some((inner) => isTransientDbError(inner, depth + 1))) return true;
  return e.cause !== undefined && isTransientDbError(e.cause, depth + 1);
}

/** The message of anything thrown, for error texts. */
export function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message || String((err as { code?: unknown }).code ?? err.name);
  return String(err);
}

/** A sink write that failed for good; names the sink, the table and, when found, the first bad row's key. */
export class SinkWriteError extends Error {
  constructor(
    message: string,
    readonly table: string,
    readonly transient: boolean,
    readonly badRowKey?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SinkWriteError';
  }
}
