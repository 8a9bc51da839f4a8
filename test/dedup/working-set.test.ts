import { WorkingSet } from '../../src/pipelines/dedup/working-set';

describe('WorkingSet', () => {
  test('evicts the least recently used item beyond capacity; get refreshes, peek does not', () => {
    const evicted: number[] = [];
    const ws = new WorkingSet<string>(3, (id) => evicted.push(id));
    ws.set(1, 'a');
    ws.set(2, 'b');
    ws.set(3, 'c');
    expect(ws.get(1)).toBe('a'); // 2 is now the oldest
    expect(ws.peek(2)).toBe('b'); // still the oldest
    ws.set(4, 'd');
    expect(evicted).toEqual([2]);
    expect(ws.size).toBe(3);
    ws.set(3, 'C'); // replacing refreshes and does not evict
    expect(evicted).toEqual([2]);
    ws.set(5, 'e');
    expect(evicted).toEqual([2, 1]);
    expect([4, 3, 5].map((id) => ws.peek(id))).toEqual(['d', 'C', 'e']);
  });

  test('reserve makes room for n more before they are loaded, oldest first', () => {
    const evicted: number[] = [];
    const ws = new WorkingSet<number>(4, (id) => evicted.push(id));
    for (const id of [1, 2, 3, 4]) ws.set(id, id);
    ws.get(1);
    ws.reserve(2);
    expect(evicted).toEqual([2, 3]);
    expect(ws.size).toBe(2);
    ws.reserve(9); // more than the capacity: everything goes, nothing throws
    expect(ws.size).toBe(0);
    expect(evicted).toEqual([2, 3, 4, 1]);
  });

  test('capacity must be a positive integer', () => {
    expect(() => new WorkingSet(0)).toThrow(RangeError);
    expect(() => new WorkingSet(1.5)).toThrow(RangeError);
  });
});
