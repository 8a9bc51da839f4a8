import type { z } from 'zod';
import { redactUrl, scrubSecrets } from '../util/redact';
import type { ConfigIssue } from './errors';
import { formatJsonPath, valueAtPath } from './json-path';

/** What the message builder needs to know about the document that failed validation. */
export interface IssueContext {
  file: string;
  /** The validated document (after interpolation). */
  document: unknown;
  /** The schema it was validated against (used to list allowed keys). */
  schema: z.ZodType;
  /** Environment values substituted into the document: never shown. */
  secrets: ReadonlySet<string>;
  /** Formatted JSON paths of interpolated strings, with their variable names. */
  interpolatedPaths: ReadonlyMap<string, readonly string[]>;
}

const MAX_SHOWN = 60;

/**
 * Describes a found value for a message: short literals are shown, strings are URL-redacted and
 * truncated, and strings that came from the environment are never shown.
 */
export function describeValue(value: unknown, variables?: readonly string[]): string {
  if (variables && variables.length > 0) {
    const from = variables.map((v) => `\${${v}}`).join(', ');
    return `a value from ${from} (${typeof value === 'string' ? `${value.length} characters, ` : ''}not shown)`;
  }
  if (value === undefined) return 'nothing (the field is missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') {
    const shown = redactUrl(value);
    return shown.length > MAX_SHOWN
      ? `${JSON.stringify(shown.slice(0, MAX_SHOWN))}...`
      : JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  return 'an object';
}

interface ZodDefLike {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  element?: z.ZodType;
  valueType?: z.ZodType;
}

function defOf(schema: z.ZodType): ZodDefLike {
  return (schema as unknown as { _zod: { def: ZodDefLike } })._zod.def;
}

/** Strips wrappers (optional, default, pipe, ...) to reach the schema that decides the shape. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (let guard = 0; guard < 20; guard++) {
    const def = defOf(current);
    const next = def.innerType ?? (def.type === 'pipe' ? def.in : undefined);
    if (!next) return current;
    current = next;
  }
  return current;
}

/** Keys allowed by the object schema found at `path`, or undefined when it cannot be determined. */
export function allowedKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] | undefined {
  let current = unwrap(schema);
  for (const segment of path) {
    const def = defOf(current);
    let next: z.ZodType | undefined;
    if (def.type === 'object' && typeof segment === 'string') next = def.shape?.[segment];
    else if (def.type === 'array') next = def.element;
    else if (def.type === 'record') next = def.valueType;
    if (!next) return undefined;
    current = unwrap(next);
  }
  const def = defOf(current);
  return def.type === 'object' && def.shape ? Object.keys(def.shape) : undefined;
}

/** Levenshtein distance, for "did you mean" hints on misspelt keys. */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1] + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1);
      row.push(Math.min(previous[j] + 1, row[j - 1] + 1, substitution));
    }
    previous = row;
  }
  return previous[b.length];
}

function closestKey(key: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(key.length / 3)) + 1;
  for (const candidate of allowed) {
    const d = editDistance(key, candidate);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function unknownKeyMessage(key: string, allowed: readonly string[] | undefined): string {
  if (!allowed) return `unknown key "${key}"`;
  const suggestion = closestKey(key, allowed);
  const hint = suggestion ? ` (did you mean "${suggestion}"?)` : '';
  return `unknown key "${key}"${hint}; expected one of: ${allowed.join(', ')}`;
}

/** Removes zod's "Invalid input: " style prefixes so messages read "expected ..., found ...". */
function zodDetail(message: string): string {
  return message.replace(/^(Invalid input|Invalid string|Invalid option|Too small|Too big|Invalid):\s*/i, '');
}

function messageFor(issue: z.core.$ZodIssue, found: string): string {
  switch (issue.code) {
    case 'invalid_type':
      return found.startsWith('nothing')
        ? `expected ${issue.expected}, found nothing (the field is required)`
        : `expected ${issue.expected}, found ${found}`;
    case 'invalid_value':
      return `expected ${issue.values.map((v) => JSON.stringify(v)).join(' | ')}, found ${found}`;
    case 'invalid_format':
      return `expected ${issue.pattern ? zodDetail(issue.message) : issue.format}, found ${found}`;
    case 'too_small':
    case 'too_big':
    case 'not_multiple_of':
      return `${zodDetail(issue.message)}, found ${found}`;
    case 'invalid_key':
      return `invalid key: expected ${issue.issues.map((i) => zodDetail(i.message)).join('; ')}, found ${found}`;
    case 'invalid_union':
      return `expected one of the allowed forms, found ${found}`;
    case 'custom':
      return issue.message;
    default:
      return `${issue.message}, found ${found}`;
  }
}

/**
 * Turns zod issues into config issues: JSON paths, one issue per unknown key (with a "did you mean"
 * hint), "expected ..., found ..." messages, and interpolated secrets never shown.
 */
export function toConfigIssues(zodIssues: readonly z.core.$ZodIssue[], ctx: IssueContext): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  const push = (path: readonly PropertyKey[], message: string) =>
    out.push({ file: ctx.file, path: formatJsonPath(path), message: scrubSecrets(message, ctx.secrets) });

  for (const issue of zodIssues) {
    if (issue.code === 'unrecognized_keys') {
      const allowed = allowedKeysAt(ctx.schema, issue.path);
      for (const key of issue.keys) push([...issue.path, key], unknownKeyMessage(key, allowed));
      continue;
    }
    // For a bad record key the "found" part is the key itself, not the value under it.
    const value =
      issue.code === 'invalid_key'
        ? issue.path[issue.path.length - 1]
        : valueAtPath(ctx.document, issue.path);
    const found = describeValue(value, ctx.interpolatedPaths.get(formatJsonPath(issue.path)));
    push(issue.path, messageFor(issue, found));
  }
  return out;
}
