import { types } from 'node:util';

/**
 * Zero-copy hand-over of pixel/feature buffers to workers.
 *
 * Contract: once a buffer is passed in `run(..., { transfer: [buffer] })` it belongs to the worker. The
 * sender's ArrayBuffer is detached (byteLength 0) and every view on it becomes empty: do not read or
 * write it afterwards. A task that carried transferred buffers cannot be retried after its worker died
 * (the buffers went with the worker).
 */

/** Anything with bytes: a Node Buffer or any TypedArray / DataView. */
export type BinaryView = ArrayBufferView;

/**
 * An ArrayBuffer holding exactly the bytes of `view`, safe to list in `transfer`:
 * - the view covers its whole (non-shared) ArrayBuffer: that buffer is moved (no copy) and `view` is
 *   detached right away;
 * - otherwise (a slice, one of Node's pooled small Buffers, a SharedArrayBuffer): one copy into a fresh
 *   ArrayBuffer; `view` stays untouched.
 * Buffers that Node marks untransferable (its Buffer pool, native-addon memory) would be silently copied
 * by postMessage on Node 20 and throw on Node 21+; moving them through `structuredClone` here copies them
 * once and hands back a buffer that really transfers.
 */
export function toTransferable(view: BinaryView): ArrayBuffer {
  if (coversWholeBuffer(view)) {
    try {
      return structuredClone(view.buffer, { transfer: [view.buffer] });
    } catch {
      // Untransferable on this Node version: fall through to one copy.
    }
  }
  return copyBytes(view);
}

/**
 * Whether `view` spans its whole, non-shared ArrayBuffer, so that moving the buffer moves exactly its bytes
 * and empties no other view.
 */
export function coversWholeBuffer(view: BinaryView): view is BinaryView & { buffer: ArrayBuffer } {
  // util.types, not instanceof: buffers may come from another realm (vm contexts, jest) and still move.
  return (
    view.byteOffset === 0 && view.byteLength === view.buffer.byteLength && types.isArrayBuffer(view.buffer)
  );
}

function copyBytes(view: BinaryView): ArrayBuffer {
  const out = new ArrayBuffer(view.byteLength);
  new Uint8Array(out).set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength));
  return out;
}
