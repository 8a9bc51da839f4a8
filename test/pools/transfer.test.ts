import { MessageChannel, markAsUntransferable } from 'node:worker_threads';
import { toTransferable } from '../../src/pools/transfer';

/** Posts `buffer` in a transfer list and reports whether the sender's copy got detached. */
function detachesOnTransfer(buffer: ArrayBuffer): boolean {
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage(buffer, [buffer]);
    return buffer.byteLength === 0;
  } finally {
    port1.close();
    port2.close();
  }
}

describe('toTransferable', () => {
  it('moves a view that covers its whole buffer without copying: the view is detached', () => {
    const view = new Float32Array([1.5, 2.5, 3.5]);
    const out = toTransferable(view);
    expect(Array.from(new Float32Array(out))).toEqual([1.5, 2.5, 3.5]);
    expect(view.length).toBe(0);
    expect(detachesOnTransfer(out)).toBe(true);
  });

  it('copies a sub-view once and leaves the original buffer intact', () => {
    const whole = new Uint8Array([0, 1, 2, 3, 4, 5, 6, 7]);
    const out = toTransferable(whole.subarray(2, 6));
    expect(Array.from(new Uint8Array(out))).toEqual([2, 3, 4, 5]);
    expect(Array.from(whole)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(detachesOnTransfer(out)).toBe(true);
  });

  it("copies Node's pooled small Buffers, which postMessage would not transfer", () => {
    const small = Buffer.from('pixels');
    expect(small.buffer.byteLength).toBeGreaterThan(small.length); // lives in Node's shared pool
    const out = toTransferable(small);
    expect(Buffer.from(out).toString()).toBe('pixels');
    expect(small.toString()).toBe('pixels');
    expect(detachesOnTransfer(out)).toBe(true);
  });

  it('copies a buffer marked untransferable (like native-addon memory) into one that transfers', () => {
    const native = new ArrayBuffer(8);
    new Uint8Array(native).set([9, 8, 7, 6, 5, 4, 3, 2]);
    markAsUntransferable(native);
    const out = toTransferable(new Uint8Array(native));
    expect(out).not.toBe(native);
    expect(Array.from(new Uint8Array(out))).toEqual([9, 8, 7, 6, 5, 4, 3, 2]);
    expect(native.byteLength).toBe(8);
    expect(detachesOnTransfer(out)).toBe(true);
  });

  it('copies a view on a SharedArrayBuffer', () => {
    const shared = new Int16Array(new SharedArrayBuffer(6));
    shared.set([-1, 2, -3]);
    const out = toTransferable(shared);
    expect(Array.from(new Int16Array(out))).toEqual([-1, 2, -3]);
    expect(shared.length).toBe(3);
    expect(detachesOnTransfer(out)).toBe(true);
  });

  it('handles DataViews and empty views', () => {
    const dv = new DataView(new ArrayBuffer(4));
    dv.setInt32(0, 123456);
    expect(new DataView(toTransferable(dv)).getInt32(0)).toBe(123456);
    expect(toTransferable(new Uint8Array(0)).byteLength).toBe(0);
  });
});
