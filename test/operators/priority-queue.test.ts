import fc from 'fast-check';
import { Subject } from 'rxjs';
import { inPool, priorityQueue, stageStats } from '../../src/operators';
import { marbles } from './marbles';

const priorities = { a: 1, b: 5, c: 3, d: 5, e: 1 };
type Key = keyof typeof priorities;

describe('priorityQueue', () => {
  it('delivers the highest priority first, first come first served among equals', () => {
    marbles().run(({ cold, expectObservable }) => {
      const out = cold<Key>('abcd|').pipe(
        priorityQueue<Key>({ capacity: 10, priority: (k) => priorities[k] }),
        inPool((k: Key) => cold('-----(x|)', { x: k }), { concurrency: 1 }),
      );
      // a starts at once; then b (5, first), d (5), c (3).
      expectObservable(out).toBe('5ms a 4ms b 4ms d 4ms (c|)');
    });
  });

  it('when full drops the lowest priority item, possibly the incoming one', () => {
    const drops: Key[] = [];
    marbles().run(({ cold, expectObservable }) => {
      const out = cold<Key>('abcde|').pipe(
        priorityQueue<Key>({
          capacity: 2,
          priority: (k) => priorities[k],
          onDrop: (k) => drops.push(k),
          stage: 'pq-drop',
        }),
        inPool((k: Key) => cold('-----(x|)', { x: k }), { concurrency: 1 }),
      );
      // Queue [b, c] when d (5) arrives: c (3) goes; e (1) is the lowest itself.
      expectObservable(out).toBe('5ms a 4ms b 4ms (d|)');
    });
    expect(drops).toEqual(['c', 'e']);
    expect(stageStats('pq-drop')).toMatchObject({ in: 5, out: 3, dropped: { priority: 2 } });
  });

  it('passes items through to a plain subscriber', () => {
    marbles().run(({ cold, expectObservable }) => {
      const out = cold<Key>('a-b-c|').pipe(
        priorityQueue<Key>({ capacity: 1, priority: (k) => priorities[k] }),
      );
      expectObservable(out).toBe('a-b-c|');
    });
  });

  it('behaves like a sorted-list model under any interleaving of arrivals and demand', () => {
    const op = fc.oneof(
      fc.record({ push: fc.integer({ min: 0, max: 4 }) }),
      fc.record({ take: fc.integer({ min: 1, max: 3 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 60 }), (capacity, ops) => {
        type Item = { id: number; p: number };
        const source = new Subject<Item>();
        const delivered: number[] = [];
        const dropped: number[] = [];
        const queue = priorityQueue<Item>({
          capacity,
          priority: (i) => i.p,
          onDrop: (i) => dropped.push(i.id),
        });
        const sub = queue(source).subscribeWithDemand({ next: (i) => delivered.push(i.id) });

        // The model: a plain array, scanned linearly.
        let held: Item[] = [];
        const modelDelivered: number[] = [];
        const modelDropped: number[] = [];
        let credit = 0;
        const modelDrain = () => {
          while (credit > 0 && held.length > 0) {
            const best = held.reduce((x, y) => (y.p > x.p || (y.p === x.p && y.id < x.id) ? y : x));
            held = held.filter((i) => i !== best);
            modelDelivered.push(best.id);
            credit--;
          }
        };
        let id = 0;
        for (const o of ops) {
          if ('push' in o) {
            const item = { id: id++, p: o.push };
            held.push(item);
            if (held.length > capacity) {
              const worst = held.reduce((x, y) => (y.p < x.p || (y.p === x.p && y.id > x.id) ? y : x));
              held = held.filter((i) => i !== worst);
              modelDropped.push(worst.id);
            }
            modelDrain();
            source.next(item);
          } else {
            credit += o.take;
            modelDrain();
            sub.request(o.take);
          }
          expect(held.length).toBeLessThanOrEqual(capacity);
        }
        source.complete();
        sub.request(capacity);
        credit += capacity;
        modelDrain();
        expect(delivered).toEqual(modelDelivered);
        expect(dropped).toEqual(modelDropped);
        expect(delivered.length + dropped.length).toBe(id);
        expect(sub.closed).toBe(true);
      }),
    );
  });
});
