/**
 * 64-bit hash helpers. Hashes travel as 16-digit hex strings (JSON/SQL friendly) and are compared as two
 * 32-bit halves, which is much faster than bigint arithmetic in the hot loops of the candidate index.
 */

/** Number of set bits in a 32-bit integer. */
export function popcount32(x: number): number {
  x = x - ((x >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** A 64-bit hash split into its high and low 32-bit words (unsigned). */
export interface Hash64 {
  hi: number;
  lo: number;
}

const HEX64 = /^[0-9a-f]{16}$/i;

/** Parses a 16-digit hex hash; throws naming the bad value. */
export function parseHash(hex: string): Hash64 {
  if (!HEX64.test(hex)) throw new Error(`invalid 64-bit hash "${hex}" (expected 16 hex digits)`);
  return { hi: parseInt(hex.slice(0, 8), 16) >>> 0, lo: parseInt(hex.slice(8), 16) >>> 0 };
}

/** Formats a 64-bit hash as 16 lower-case hex digits. */
export function formatHash(h: Hash64): string {
  return (h.hi >>> 0).toString(16).padStart(8, '0') + (h.lo >>> 0).toString(16).padStart(8, '0');
}

/** Hamming distance between two parsed hashes. */
export function hamming64(a: Hash64, b: Hash64): number {
  return popcount32((a.hi ^ b.hi) >>> 0) + popcount32((a.lo ^ b.lo) >>> 0);
}

/** Hamming distance between two hex hashes. */
export function hammingHex(a: string, b: string): number {
  return hamming64(parseHash(a), parseHash(b));
}

/** Packs 64 booleans (most significant bit first) into a hex hash. */
export function bitsToHex(bits: ArrayLike<boolean>): string {
  if (bits.length !== 64) throw new Error(`a 64-bit hash needs 64 bits, got ${bits.length}`);
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) hi = ((hi << 1) | (bits[i] ? 1 : 0)) >>> 0;
  for (let i = 32; i < 64; i++) lo = ((lo << 1) | (bits[i] ? 1 : 0)) >>> 0;
  return formatHash({ hi, lo });
}

/** bigint view of a hex hash (for callers that prefer bigint). */
export function hexToBigInt(hex: string): bigint {
  parseHash(hex);
  return BigInt('0x' + hex);
}
