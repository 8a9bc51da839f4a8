import type { ConfigIssue } from './errors';
import { formatJsonPath, type PathSegment } from './json-path';

/** The result of `${ENV}` interpolation over a parsed JSON document. */
export interface Interpolated {
  /** A copy of the document with every reference replaced. */
  value: unknown;
  /** Missing variables and malformed references (values are never included). */
  issues: ConfigIssue[];
  /** Values taken from the environment: they must never appear in messages. */
  secrets: Set<string>;
  /** JSON paths (formatted) of strings that came out of interpolation, with the variables they used. */
  interpolatedPaths: Map<string, string[]>;
}

/** `$${` escapes a literal `${`; otherwise `${NAME}` or `${NAME:-default}`. */
const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME_WITH_DEFAULT = /^([A-Za-z_][A-Za-z0-9_]*)(?::-([\s\S]*))?$/;

type Env = Readonly<Record<string, string | undefined>>;

interface StringResult {
  value: string;
  variables: string[];
  problems: string[];
}

/**
 * Replaces `${NAME}` and `${NAME:-default}` in one string (the default applies when NAME is unset or
 * empty, as in POSIX shells); `$${` stands for a literal `${`.
 */
export function interpolateString(input: string, env: Env, secrets: Set<string>): StringResult {
  const variables: string[] = [];
  const problems: string[] = [];
  const value = input.replace(REFERENCE, (match: string, body: string | undefined) => {
    if (match === '$${') return '${';
    const parsed = body === undefined ? null : NAME_WITH_DEFAULT.exec(body);
    if (!parsed) {
      problems.push(
        `expected a variable reference like \${NAME} or \${NAME:-default}, found "${match.slice(0, 40)}" (write $\${ for a literal \${)`,
      );
      return match;
    }
    const [, name, fallback] = parsed;
    variables.push(name);
    const fromEnv = env[name];
    if (fromEnv !== undefined && (fromEnv !== '' || fallback === undefined)) {
      secrets.add(fromEnv);
      return fromEnv;
    }
    if (fallback !== undefined) return fallback;
    problems.push(`environment variable ${name} is not set (set it, or write \${${name}:-default})`);
    return match;
  });
  return { value, variables, problems };
}

/**
 * Applies `${ENV}` interpolation to every string value (not keys) of a parsed JSON document, collecting
 * every missing variable at once with its JSON path.
 */
export function interpolateEnv(document: unknown, file: string, env: Env = process.env): Interpolated {
  const issues: ConfigIssue[] = [];
  const secrets = new Set<string>();
  const interpolatedPaths = new Map<string, string[]>();

  const walk = (node: unknown, path: PathSegment[]): unknown => {
    if (typeof node === 'string') {
      if (!node.includes('${')) return node;
      const result = interpolateString(node, env, secrets);
      const jsonPath = formatJsonPath(path);
      for (const message of result.problems) issues.push({ file, path: jsonPath, message });
      if (result.variables.length > 0) interpolatedPaths.set(jsonPath, result.variables);
      return result.value;
    }
    if (Array.isArray(node)) return node.map((item, i) => walk(item, [...path, i]));
    if (node !== null && typeof node === 'object') {
      const out: Record<string, unknown> = {};
      for (const [key, child] of Object.entries(node)) {
        // defineProperty keeps a "__proto__" key an own property (plain assignment would set the prototype).
        Object.defineProperty(out, key, {
          value: walk(child, [...path, key]),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
      return out;
    }
    return node;
  };

  return { value: walk(document, []), issues, secrets, interpolatedPaths };
}
