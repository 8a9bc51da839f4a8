/**
 * Arguments and results of queued batches as text for pg-boss's jsonb columns: `v8.serialize` keeps the
 * typed arrays of feature records (colour signatures, thumbnails) exact and compact, base64 makes them
 * JSON. Every process of a cluster must run the same Node.js major version (the serializer's format).
 */
import v8 from 'node:v8';

/** `value` as base64 text. */
export function encodePayload(value: unknown): string {
  return v8.serialize(value).toString('base64');
}

/** The value {@link encodePayload} encoded. */
export function decodePayload<T>(text: string): T {
  return v8.deserialize(Buffer.from(text, 'base64')) as T;
}
