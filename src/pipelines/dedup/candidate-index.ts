/**
 * Stage 1, candidate pairs without all-pairs comparison: multi-index hashing (Norouzi et al.) over 64-bit
 * hashes. The hash is cut into m chunks; if two hashes are within Hamming distance r, at least one chunk is
 * within floor(r/m) of its partner (pigeonhole). Each chunk has a hash table; a lookup probes every chunk
 * value within that small radius. m is chosen per query from a cost model (table probes vs bucket sizes).
 */
import { parseHash, popcount32 } from '../../kernels/features/hamming';

/** Two items whose hashes are within the threshold; `a < b` (item ids are insertion indices). */
export interface CandidatePair {
  a: number;
  b: number;
  distance: number;
}

interface Chunking {
  /** Number of chunks. */
  m: number;
  /** Per-chunk search radius. */
  s: number;
  /** Bit offset (from the most significant bit) and width of each chunk. */
  spans: { offset: number; width: number }[];
  /** Per chunk, every item's chunk value (computed once: candidate search compares them per pair). */
  values: Uint32Array[];
  tables: Map<number, number[]>[];
}

function binomialSum(n: number, k: number): number {
  let total = 0;
  let c = 1;
  for (let i = 0; i <= k && i <= n; i++) {
    total += c;
    c = (c * (n - i)) / (i + 1);
  }
  return total;
}

/** Picks the chunk count with the lowest estimated cost per lookup, for `n` items and radius `r`. */
export function chooseChunks(n: number, r: number): number {
  let best = 2;
  let bestCost = Infinity;
  for (let m = 2; m <= Math.min(64, r + 1); m++) {
    const width = Math.ceil(64 / m);
    const s = Math.floor(r / m);
    const probes = binomialSum(width, s);
    // Uniform-hash estimate: each probe hits n / 2^width items.
    const cost = m * probes * (1 + n / 2 ** width);
    if (cost < bestCost) {
      bestCost = cost;
      best = m;
    }
  }
  return best;
}

/**
 * True when chunk `k` is the first chunk through which item `b` is found for a query with chunk values
 * `qv` (so each pair is emitted once).
 */
function firstChunk(c: Chunking, k: number, qv: Uint32Array, b: number): boolean {
  for (let e = 0; e < k; e++) if (popcount32((qv[e] ^ c.values[e][b]) >>> 0) <= c.s) return false;
  return true;
}

/** Index of the first element above `x` in an ascending list (binary search). */
function firstAbove(list: readonly number[], x: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Hamming-distance index over 64-bit hashes (16-digit hex). */
export class HammingIndex {
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private cached?: Chunking;

  private constructor(hi: Uint32Array, lo: Uint32Array) {
    this.hi = hi;
    this.lo = lo;
  }

  /** Builds an index over hex hashes; item ids are the array indices. */
  static fromHex(hashes: readonly string[]): HammingIndex {
    const hi = new Uint32Array(hashes.length);
    const lo = new Uint32Array(hashes.length);
    hashes.forEach((h, i) => {
      const p = parseHash(h);
      hi[i] = p.hi;
      lo[i] = p.lo;
    });
    return new HammingIndex(hi, lo);
  }

  get size(): number {
    return this.hi.length;
  }

  /** Hamming distance between two indexed items. */
  distance(a: number, b: number): number {
    return popcount32((this.hi[a] ^ this.hi[b]) >>> 0) + popcount32((this.lo[a] ^ this.lo[b]) >>> 0);
  }

  private chunkValue(hi: number, lo: number, offset: number, width: number): number {
    // Bits [offset, offset + width) counted from the most significant bit of hi:lo; width <= 32.
    const mask = (bits: number) => (bits >= 32 ? 0xffffffff : (1 << bits) - 1);
    const end = offset + width;
    if (end <= 32) return ((hi >>> (32 - end)) & mask(width)) >>> 0;
    if (offset >= 32) return ((lo >>> (64 - end)) & mask(width)) >>> 0;
    const loBits = end - 32;
    const top = (hi & mask(32 - offset)) >>> 0;
    return top * 2 ** loBits + (lo >>> (32 - loBits));
  }

  private chunking(m: number, r: number): Chunking {
    const s = Math.floor(r / m);
    if (this.cached && this.cached.m === m) return { ...this.cached, s };
    const spans: { offset: number; width: number }[] = [];
    let offset = 0;
    for (let c = 0; c < m; c++) {
      const width = Math.floor(64 / m) + (c < 64 % m ? 1 : 0);
      spans.push({ offset, width });
      offset += width;
    }
    const values = spans.map(({ offset: o, width }) => {
      const v = new Uint32Array(this.size);
      for (let i = 0; i < this.size; i++) v[i] = this.chunkValue(this.hi[i], this.lo[i], o, width);
      return v;
    });
    const tables = values.map((v) => {
      const table = new Map<number, number[]>();
      for (let i = 0; i < this.size; i++) {
        const list = table.get(v[i]);
        if (list) list.push(i);
        else table.set(v[i], [i]);
      }
      return table;
    });
    this.cached = { m, s, spans, values, tables };
    return this.cached;
  }

  /** The chunk values of a query hash under `c`. */
  private queryValues(c: Chunking, hi: number, lo: number): Uint32Array {
    return Uint32Array.from(c.spans, ({ offset, width }) => this.chunkValue(hi, lo, offset, width));
  }

  /** All values within Hamming radius `s` of `v` in a `width`-bit space. */
  private static neighbours(v: number, width: number, s: number, out: number[] = [], from = 0): number[] {
    out.push(v >>> 0);
    if (s === 0) return out;
    for (let bit = from; bit < width; bit++) {
      HammingIndex.neighbours((v ^ (2 ** bit)) >>> 0, width, s - 1, out, bit + 1);
    }
    return out;
  }

  /** Items within `threshold` of the query hash, each once (no order guarantee). */
  query(hex: string, threshold: number, chunks?: number): { id: number; distance: number }[] {
    const q = parseHash(hex);
    const out: { id: number; distance: number }[] = [];
    if (this.size === 0) return out;
    const c = this.chunking(chunks ?? chooseChunks(this.size, threshold), threshold);
    const qv = this.queryValues(c, q.hi, q.lo);
    for (let k = 0; k < c.m; k++) {
      for (const probe of HammingIndex.neighbours(qv[k], c.spans[k].width, c.s)) {
        for (const id of c.tables[k].get(probe) ?? []) {
          if (!firstChunk(c, k, qv, id)) continue;
          const d = popcount32((q.hi ^ this.hi[id]) >>> 0) + popcount32((q.lo ^ this.lo[id]) >>> 0);
          if (d <= threshold) out.push({ id, distance: d });
        }
      }
    }
    return out;
  }

  /**
   * Every pair of indexed items within `threshold` (inclusive), each exactly once with a < b, generated
   * lazily. `chunks` overrides the chunk count (mainly for tests).
   */
  *candidates(threshold: number, chunks?: number): Generator<CandidatePair> {
    if (this.size < 2) return;
    const c = this.chunking(chunks ?? chooseChunks(this.size, threshold), threshold);
    const av = new Uint32Array(c.m);
    for (let a = 0; a < this.size; a++) {
      for (let k = 0; k < c.m; k++) av[k] = c.values[k][a];
      for (let k = 0; k < c.m; k++) {
        for (const probe of HammingIndex.neighbours(av[k], c.spans[k].width, c.s)) {
          const bucket = c.tables[k].get(probe);
          if (!bucket) continue;
          // Buckets list items in ascending order: start past `a` (pairs are emitted with a < b).
          for (let j = firstAbove(bucket, a); j < bucket.length; j++) {
            const b = bucket[j];
            if (!firstChunk(c, k, av, b)) continue;
            const d = this.distance(a, b);
            if (d <= threshold) yield { a, b, distance: d };
          }
        }
      }
    }
  }
}
