/** A growable FIFO ring buffer: O(1) push, shift and peek (arrays shift in O(n)). */
export class Ring<T> {
  private slots: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(initialCapacity = 8) {
    this.slots = new Array<T | undefined>(Math.max(1, initialCapacity));
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.count === this.slots.length) this.grow();
    this.slots[(this.head + this.count) % this.slots.length] = item;
    this.count += 1;
  }

  /** Removes and returns the oldest item. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined; // release the reference
    this.head = (this.head + 1) % this.slots.length;
    this.count -= 1;
    return item;
  }

  /** The oldest item, left in place. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /** Removes everything, returning the items oldest first. */
  clear(): T[] {
    const items: T[] = [];
    while (this.count > 0) items.push(this.shift() as T);
    return items;
  }

  private grow(): void {
    const next = new Array<T | undefined>(this.slots.length * 2);
    for (let i = 0; i < this.count; i++) next[i] = this.slots[(this.head + i) % this.slots.length];
    this.slots = next;
    this.head = 0;
  }
}
