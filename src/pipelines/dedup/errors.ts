/**
 * The dedup job's action settings cannot be carried out as given: a move/hardlink/delete without
 * `actions.targetDir`, or a file outside the scanned root. A configuration problem, not a runtime failure
 * (the CLI ends with exit code 2).
 */
export class DedupActionConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DedupActionConfigError';
  }
}
