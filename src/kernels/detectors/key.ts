import type { DetectorSpec } from './spec';

/**
 * A stable key for a detector config (JSON with sorted keys): equal configs share one detector instance
 * in a worker, which parses the key back into the config.
 */
export function detectorKey(config: DetectorSpec): string {
  return stableStringify(config);
}

function stableStringify(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableStringify).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableStringify(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}
