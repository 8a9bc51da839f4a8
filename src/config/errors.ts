/** One problem found in a config file. */
export interface ConfigIssue {
  /** The config file (or another source name given to `parseConfig`). */
  file: string;
  /** JSON path of the offending value, like `channels[2].source`; empty for the whole file. */
  path: string;
  /** What was expected and what was found (interpolated secrets are never shown). */
  message: string;
}

/** Formats one issue as a single line: `file: path: message` (or `file: message` for file-level issues). */
export function formatIssue(issue: ConfigIssue): string {
  return issue.path ? `${issue.file}: ${issue.path}: ${issue.message}` : `${issue.file}: ${issue.message}`;
}

/**
 * An invalid or unreadable config. Carries every issue found, not just the first; the CLI ends with
 * exit code 2 (invalid configuration) when one reaches it.
 */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[];

  constructor(issues: readonly ConfigIssue[]) {
    super(issues.map(formatIssue).join('\n') || 'invalid configuration');
    this.name = 'ConfigError';
    this.issues = issues;
  }
}
