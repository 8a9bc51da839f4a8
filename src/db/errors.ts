/**
 * A database could not be opened, reached or migrated. The message names the target (a redacted URL or
 * the PGlite data directory) and never contains a password.
 */
export class DatabaseError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseError';
  }
}
