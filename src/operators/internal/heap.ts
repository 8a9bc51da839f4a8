/**
 * A min-max heap (Atkinson et al. 1986): one array where even levels are min-ordered and odd levels are
 * max-ordered, so both the smallest and the largest element are reachable in O(1) and removable in
 * O(log n). The priority queue delivers its maximum and drops its minimum when full.
 */
export class MinMaxHeap<T> {
  private readonly items: T[] = [];

  /** `less(a, b)` is true when a orders strictly before b (a is "smaller"). */
  constructor(private readonly less: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  peekMin(): T | undefined {
    return this.items[0];
  }

  peekMax(): T | undefined {
    return this.items[this.maxIndex()];
  }

  push(item: T): void {
    this.items.push(item);
    this.bubbleUp(this.items.length - 1);
  }

  popMin(): T | undefined {
    return this.removeAt(0);
  }

  popMax(): T | undefined {
    return this.removeAt(this.maxIndex());
  }

  /**
   * Removes every item for which `test` is true and returns them (in no particular order). One pass over
   * the items, and a linear-time rebuild (Floyd) only when something was removed.
   */
  removeWhere(test: (item: T) => boolean): T[] {
    const removed: T[] = [];
    const kept: T[] = [];
    for (const item of this.items) (test(item) ? removed : kept).push(item);
    if (removed.length === 0) return removed;
    // Kept aside first so that a throwing `test` leaves the heap as it was.
    this.items.length = 0;
    for (const item of kept) this.items.push(item);
    for (let i = (kept.length >> 1) - 1; i >= 0; i--) this.trickleDown(i);
    return removed;
  }

  /** Removes everything (in no particular order). */
  clear(): T[] {
    return this.items.splice(0);
  }

  private maxIndex(): number {
    const n = this.items.length;
    if (n <= 1) return 0;
    if (n === 2) return 1;
    return this.less(this.items[1], this.items[2]) ? 2 : 1;
  }

  private removeAt(index: number): T | undefined {
    const n = this.items.length;
    if (index >= n) return undefined;
    const removed = this.items[index];
    const last = this.items.pop() as T;
    if (index < n - 1) {
      this.items[index] = last;
      this.trickleDown(index);
    }
    return removed;
  }

  private bubbleUp(i: number): void {
    if (i === 0) return;
    const parent = (i - 1) >> 1;
    if (isMinLevel(i)) {
      if (this.less(this.items[parent], this.items[i])) {
        this.swap(i, parent);
        this.bubbleUpWhile(parent, (a, b) => this.less(b, a));
      } else this.bubbleUpWhile(i, this.less);
    } else if (this.less(this.items[i], this.items[parent])) {
      this.swap(i, parent);
      this.bubbleUpWhile(parent, this.less);
    } else this.bubbleUpWhile(i, (a, b) => this.less(b, a));
  }

  /** Moves `i` up through its grandparents while `before(item, grandparent)`. */
  private bubbleUpWhile(i: number, before: (a: T, b: T) => boolean): void {
    while (i >= 3) {
      const grandparent = (((i - 1) >> 1) - 1) >> 1;
      if (!before(this.items[i], this.items[grandparent])) return;
      this.swap(i, grandparent);
      i = grandparent;
    }
  }

  private trickleDown(i: number): void {
    const before = isMinLevel(i) ? this.less : (a: T, b: T) => this.less(b, a);
    for (;;) {
      const m = this.extremeDescendant(i, before);
      if (m < 0) return;
      if (m > 2 * i + 2) {
        // m is a grandchild: swap, then repair m against its parent (the opposite-ordered level).
        if (!before(this.items[m], this.items[i])) return;
        this.swap(m, i);
        const parent = (m - 1) >> 1;
        if (before(this.items[parent], this.items[m])) this.swap(m, parent);
        i = m;
      } else {
        if (before(this.items[m], this.items[i])) this.swap(m, i);
        return;
      }
    }
  }

  /** Index of the most `before` child or grandchild of `i`, or -1 when `i` is a leaf. */
  private extremeDescendant(i: number, before: (a: T, b: T) => boolean): number {
    const n = this.items.length;
    const first = 2 * i + 1;
    if (first >= n) return -1;
    let best = first;
    const candidates = [first + 1, 2 * first + 1, 2 * first + 2, 2 * (first + 1) + 1, 2 * (first + 1) + 2];
    for (const c of candidates) if (c < n && before(this.items[c], this.items[best])) best = c;
    return best;
  }

  private swap(a: number, b: number): void {
    const t = this.items[a];
    this.items[a] = this.items[b];
    this.items[b] = t;
  }
}

function isMinLevel(i: number): boolean {
  return Math.floor(Math.log2(i + 1)) % 2 === 0;
}
