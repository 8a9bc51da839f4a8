/**
 * Credentials out of everything people read: logs, errors, status rows, the web page, metrics. One module,
 * three tools: {@link redactUrl} for a URL, {@link urlSecrets} for the secret parts of a URL (to scrub
 * library messages that echo them, raw or decoded), {@link scrubUrlMessage} for any text. None of them
 * throws, whatever the input (a bad `%` escape in a password used to throw in an error path).
 *
 * Passwords may contain `@`, `:` and `%` unencoded; `/`, `?` and `#` must be percent-encoded in a URL's
 * user info (RFC 3986), although a `user:pa/ss@host` form is still recognised when the part after the
 * last `:` is not a port number.
 */

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
/** URL-like substrings of a message (up to whitespace, quotes or angle brackets). */
const URL_IN_TEXT = /[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;
/** Query/fragment parameters whose values are secrets (matched against the parameter name). */
const SECRET_PARAM_NAME = /pass|pwd|secret|token|key|auth|sig|credential|session|cookie|jwt|bearer/i;
const QUERY_PARAM = /([?&;#])([^=&?#;\s]+)=([^&#;\s]*)/g;
/** Secrets shorter than this are not scrubbed from free text (they would mangle ordinary words). */
const MIN_SCRUB_LENGTH = 3;
const MASK = '***';

interface UserInfo {
  /** `scheme://` */
  prefix: string;
  /** Between `scheme://` and the `@` that ends it. */
  userinfo: string;
  /** From the `@` on. */
  rest: string;
}

/**
 * Finds the user info of a URL. It ends at the last `@` before the end of the authority (`/`, `?`, `#`), so
 * a raw `@` in a password stays inside it; a `user:pa/ss@host` form (the part after the last `:` before the
 * first `/` is not a port) ends at the last `@` before whitespace.
 */
function splitUserInfo(url: string): UserInfo | undefined {
  const scheme = SCHEME.exec(url);
  if (!scheme) return undefined;
  const after = url.slice(scheme[0].length);
  const authorityEnd = after.search(/[/?#]/);
  const end = authorityEnd < 0 ? after.length : authorityEnd;
  let at = after.lastIndexOf('@', end - 1);
  if (at < 0 && authorityEnd >= 0) {
    const head = after.slice(0, end);
    const colon = head.lastIndexOf(':');
    const afterColon = colon < 0 ? '' : head.slice(colon + 1);
    if (colon >= 0 && !/^\d*$/.test(afterColon) && !head.includes(']')) {
      const space = after.search(/\s/);
      at = after.lastIndexOf('@', (space < 0 ? after.length : space) - 1);
    }
  }
  if (at < 0) return undefined;
  return { prefix: scheme[0], userinfo: after.slice(0, at), rest: after.slice(at) };
}

/** Percent-decodes what can be decoded; invalid escapes stay as they are (never throws). */
export function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/(?:%[0-9a-f]{2})+/gi, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/**
 * Removes credentials from a URL-like string so it can be shown: `rtsp://user:p@ss@cam/x` becomes
 * `rtsp://***@cam/x`, and values of secret-looking query parameters (`password=`, `token=`, `api_key=`,
 * `sig=`, ...) become `***`. Strings that are no URL pass through (their query-like parts masked too).
 */
export function redactUrl(input: string): string {
  const parts = splitUserInfo(input);
  const out = parts ? `${parts.prefix}${MASK}${parts.rest}` : input;
  return out.replace(QUERY_PARAM, (whole, sep: string, name: string) =>
    SECRET_PARAM_NAME.test(safeDecode(name)) ? `${sep}${name}=${MASK}` : whole,
  );
}

/**
 * The secret parts of a URL, for scrubbing messages of libraries that echo them: the user info, the
 * password, and the values of secret query parameters, each raw and percent-decoded (and with `+` as a
 * space). Longest first; parts shorter than 3 characters are left out. Never throws.
 */
export function urlSecrets(url: string): string[] {
  const found = new Set<string>();
  const add = (s: string | undefined) => {
    if (!s) return;
    for (const v of [s, safeDecode(s), safeDecode(s.replace(/\+/g, ' '))])
      if (v.length >= MIN_SCRUB_LENGTH) found.add(v);
  };
  const parts = splitUserInfo(url);
  if (parts) {
    add(parts.userinfo);
    const colon = parts.userinfo.indexOf(':');
    if (colon >= 0) add(parts.userinfo.slice(colon + 1));
  }
  for (const m of url.matchAll(QUERY_PARAM)) if (SECRET_PARAM_NAME.test(safeDecode(m[2]))) add(m[3]);
  return [...found].sort((a, b) => b.length - a.length);
}

/** Replaces every occurrence of each secret in a message (longest first, so no tail of one is left). */
export function scrubSecrets(message: string, secrets: Iterable<string>): string {
  let out = message;
  const sorted = [...secrets].filter((s) => s && s.length >= MIN_SCRUB_LENGTH);
  sorted.sort((a, b) => b.length - a.length);
  for (const s of sorted) out = out.split(s).join(MASK);
  return out;
}

/**
 * Makes any text safe to show: removes the given `secrets` (e.g. {@link urlSecrets} of the URL an error is
 * about, which catches a password echoed decoded or without its URL), then redacts every URL in it.
 */
export function scrubUrlMessage(message: string, secrets: Iterable<string> = []): string {
  return scrubSecrets(message, secrets).replace(URL_IN_TEXT, (url) => redactUrl(url));
}

/**
 * {@link scrubUrlMessage} applied to every string inside a value (objects, arrays, errors; `depth` levels
 * deep), for log records. Errors become plain `{ type, message, stack, code }` objects. Returns the value
 * itself when nothing needed scrubbing.
 */
export function scrubDeep(value: unknown, depth = 5): unknown {
  if (typeof value === 'string') return value.includes('://') ? scrubUrlMessage(value) : value;
  if (depth <= 0 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      type: value.name,
      message: scrubDeep(value.message, depth - 1),
      stack: scrubDeep(value.stack, depth - 1),
      ...(code !== undefined ? { code } : {}),
    };
  }
  if (Array.isArray(value)) {
    const out = value.map((v) => scrubDeep(v, depth - 1));
    return out.some((v, i) => v !== value[i]) ? out : value;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return value; // Buffers, Dates, class instances
  let changed = false;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = scrubDeep(v, depth - 1);
    if (out[k] !== v) changed = true;
  }
  return changed ? out : value;
}
