import { applyChannelDefaults } from './schema/channel';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, type ConfigIssue } from './errors';
import { interpolateEnv } from './interpolate';
import { toConfigIssues } from './issues';
import { findJsonSyntaxError } from './json-syntax';
import { rxvisionConfigSchema, type RxvisionConfig } from './schema/root';
import { resolveDedupJobPaths } from './schema/dedup';

/** Options shared by the config loaders. */
export interface ConfigLoadOptions {
  /** Variables for `${NAME}` interpolation; defaults to process.env. */
  env?: Readonly<Record<string, string | undefined>>;
}

/** The outcome of validating one file: the config when valid, otherwise every issue found. */
export type ConfigValidation =
  { ok: true; file: string; config: RxvisionConfig } | { ok: false; file: string; issues: ConfigIssue[] };

const URL_LIKE = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Resolves a path written inside a config file relative to that file's folder. Absolute paths,
 * URLs (rtsp://, http://, file:) and `~/...` (home) are kept as written / expanded.
 */
export function resolveConfigPath(configFile: string, p: string): string {
  if (URL_LIKE.test(p) || path.isAbsolute(p)) return p;
  if (p === '~' || p.startsWith('~/')) return path.join(os.homedir(), p.slice(1));
  return path.resolve(path.dirname(path.resolve(configFile)), p);
}

/** Applies {@link resolveConfigPath} to the path-valued fields this module owns (database.dataDir). */
export function resolveConfigPaths(config: RxvisionConfig, configFile: string): RxvisionConfig {
  const resolve = (p: string) => resolveConfigPath(configFile, p);
  const resolved: RxvisionConfig = { ...config };
  if (config.database?.dataDir)
    resolved.database = { ...config.database, dataDir: resolve(config.database.dataDir) };
  if (config.channels) {
    resolved.channels = config.channels.map((c) => {
      // Devices (/dev/video0, 0) and URLs stay as written; files and folders are relative to the config.
      const source = /^(?:\/dev\/video)?\d+$/.test(c.source) ? c.source : resolve(c.source);
      const d = c.detector;
      const detector =
        d.type === 'haar'
          ? { ...d, cascadePath: d.cascadePath && resolve(d.cascadePath) }
          : { ...d, modelPath: d.modelPath && resolve(d.modelPath) };
      // User-supplied ONNX models for Re-ID and gender/age are files too.
      const withPath = <M extends { type: string }>(m: M): M =>
        'path' in m && typeof m.path === 'string' ? { ...m, path: resolve(m.path) } : m;
      const reid = c.reid && { ...c.reid, model: withPath(c.reid.model) };
      const demographics = c.demographics && { ...c.demographics, model: withPath(c.demographics.model) };
      return { ...c, source, detector: detector as typeof d, reid, demographics };
    });
  }
  if (config.dedup) resolved.dedup = config.dedup.map((j) => resolveDedupJobPaths(j, resolve));
  return resolved;
}

type Parsed = { ok: true; config: RxvisionConfig } | { ok: false; issues: ConfigIssue[] };

function interpolateAndValidate(json: unknown, source: string, options: ConfigLoadOptions): Parsed {
  const interpolated = interpolateEnv(json, source, options.env ?? process.env);
  interpolated.value = applyChannelDefaults(interpolated.value);
  const result = rxvisionConfigSchema.safeParse(interpolated.value);
  const schemaIssues = result.success
    ? []
    : toConfigIssues(result.error.issues, {
        file: source,
        document: interpolated.value,
        schema: rxvisionConfigSchema,
        secrets: interpolated.secrets,
        interpolatedPaths: interpolated.interpolatedPaths,
      });
  // A missing variable also fails the schema at the same path (e.g. "${X}" is no URL); keep the clearer one.
  const missingAt = new Set(interpolated.issues.map((i) => i.path));
  const issues = [...interpolated.issues, ...schemaIssues.filter((i) => !missingAt.has(i.path))];
  if (issues.length > 0 || !result.success) return { ok: false, issues };
  return { ok: true, config: result.data };
}

/**
 * Validates an already-parsed JSON document: `${ENV}` interpolation, then the zod schema. Throws a
 * {@link ConfigError} carrying every issue. `source` names the document in messages (usually the file).
 * Paths inside stay as written (see {@link loadConfig} for resolution).
 */
export function parseConfig(json: unknown, source: string, options: ConfigLoadOptions = {}): RxvisionConfig {
  const parsed = interpolateAndValidate(json, source, options);
  if (!parsed.ok) throw new ConfigError(parsed.issues);
  return parsed.config;
}

/** Parses JSON text, reporting syntax errors as a config issue with line:column. */
export function parseJsonText(
  text: string,
  file: string,
): { ok: true; json: unknown } | { ok: false; issue: ConfigIssue } {
  const withoutBom = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, json: JSON.parse(withoutBom) };
  } catch {
    let where = '';
    let detail = 'not valid JSON';
    try {
      const syntax = findJsonSyntaxError(withoutBom);
      if (syntax) {
        where = ` at line ${syntax.line}:${syntax.column}`;
        detail = syntax.message;
      }
    } catch {
      // Extremely deep nesting overflows the locator's recursion; the generic message remains.
    }
    return { ok: false, issue: { file, path: '', message: `invalid JSON${where}: ${detail}` } };
  }
}

async function readConfigText(
  file: string,
): Promise<{ ok: true; text: string } | { ok: false; issue: ConfigIssue }> {
  try {
    return { ok: true, text: await readFile(file, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'file not found'
        : code === 'EISDIR'
          ? 'expected a file, found a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : `cannot read the file (${code ?? (err as Error).message})`;
    return { ok: false, issue: { file, path: '', message: reason } };
  }
}

/**
 * Reads and validates one config file without throwing: every issue (unreadable file, JSON syntax with
 * line:column, missing variables, schema violations) is returned at once. Paths inside are resolved.
 */
export async function validateConfigFile(
  file: string,
  options: ConfigLoadOptions = {},
): Promise<ConfigValidation> {
  const read = await readConfigText(file);
  if (!read.ok) return { ok: false, file, issues: [read.issue] };
  const json = parseJsonText(read.text, file);
  if (!json.ok) return { ok: false, file, issues: [json.issue] };
  const parsed = interpolateAndValidate(json.json, file, options);
  if (!parsed.ok) return { ok: false, file, issues: parsed.issues };
  return { ok: true, file, config: resolveConfigPaths(parsed.config, file) };
}

/**
 * Loads a JSON config file: reads it, interpolates `${ENV}`, validates it against the schema and
 * resolves relative paths (database.dataDir) against the file's folder. Throws {@link ConfigError}.
 */
export async function loadConfig(file: string, options: ConfigLoadOptions = {}): Promise<RxvisionConfig> {
  const result = await validateConfigFile(file, options);
  if (!result.ok) throw new ConfigError(result.issues);
  return result.config;
}
