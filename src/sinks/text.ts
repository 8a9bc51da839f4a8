import { once } from 'node:events';
import type { Writable } from 'node:stream';

/** JSON for output files: bigints as strings, binary data as base64 (plain JSON.stringify throws or bloats). */
export function toJsonLine(row: unknown): string {
  return JSON.stringify(row, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    if (typeof raw === 'bigint') return raw.toString();
    if (raw instanceof Uint8Array) return Buffer.from(raw).toString('base64');
    return value;
  });
}

/**
 * Writes `text` and, when the stream's buffer is full, waits for 'drain' so a fast producer cannot pile up
 * unbounded memory inside the stream. Rejects on a stream error.
 */
export async function writeWithBackpressure(stream: Writable, text: string): Promise<void> {
  if (stream.destroyed || stream.writableEnded) throw new Error('stream is closed');
  const ok = stream.write(text);
  if (ok) return;
  const abort = new AbortController();
  try {
    await Promise.race([
      once(stream, 'drain', { signal: abort.signal }),
      once(stream, 'close', { signal: abort.signal }).then(() => {
        if (stream.errored) throw stream.errored;
        throw new Error('stream closed before drain');
      }),
    ]);
  } finally {
    abort.abort();
  }
}
