/**
 * The bounded working set of verification: per item id, the records loaded for the candidate pairs in
 * hand, least recently used evicted first. It keeps the memory of verification flat whatever the size
 * of the collection, at the price of loading an item again when it comes back after eviction.
 */

/** A least-recently-used map from item id to record, holding at most `capacity` items. */
export class WorkingSet<V> {
  /** Insertion order is recency order: a hit is moved to the end, the first key is the eviction victim. */
  private readonly entries = new Map<number, V>();

  /**
   * @param capacity Items held at most (an integer, at least 1).
   * @param onEvict Called with each id that leaves the set (for tests and accounting).
   */
  constructor(
    readonly capacity: number,
    private readonly onEvict?: (id: number) => void,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`working set capacity must be a positive integer, not ${capacity}`);
  }

  get size(): number {
    return this.entries.size;
  }

  /** The record of `id`, made the most recently used. */
  get(id: number): V | undefined {
    const v = this.entries.get(id);
    if (v !== undefined) {
      this.entries.delete(id);
      this.entries.set(id, v);
    }
    return v;
  }

  /** The record of `id`, recency unchanged (for reads within a batch whose items were just touched). */
  peek(id: number): V | undefined {
    return this.entries.get(id);
  }

  /**
   * Evicts least recently used items until `n` more fit, so that records about to be loaded never meet
   * a full set: at most `capacity` items are held at any time, the batch being loaded included.
   */
  reserve(n: number): void {
    while (this.entries.size > 0 && this.entries.size + n > this.capacity) this.evictOldest();
  }

  /** Stores the record of `id` as the most recently used; evicts the least recently used beyond capacity. */
  set(id: number, v: V): void {
    this.entries.delete(id);
    this.entries.set(id, v);
    while (this.entries.size > this.capacity) this.evictOldest();
  }

  private evictOldest(): void {
    const oldest = this.entries.keys().next().value as number;
    this.entries.delete(oldest);
    this.onEvict?.(oldest);
  }
}
