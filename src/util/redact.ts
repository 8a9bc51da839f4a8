/**
 * Removes credentials from a URL-like string so it can be logged: `rtsp://user:pw@cam/x` becomes
 * `rtsp://***@cam/x`; query parameters that look like secrets are masked too.
 */
export function redactUrl(input: string): string {
  let out = input.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, '$1***@');
  out = out.replace(/([?&](?:password|passwd|pwd|token|key|secret|auth)=)[^&#]*/gi, '$1***');
  return out;
}

/** Replaces every occurrence of each secret in a message (for errors thrown by libraries that echo URLs). */
export function scrubSecrets(message: string, secrets: Iterable<string>): string {
  let out = message;
  for (const s of secrets) if (s && s.length >= 3) out = out.split(s).join('***');
  return out;
}
