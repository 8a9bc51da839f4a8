import fc from 'fast-check';
import { Subject } from 'rxjs';
import type { RunHelpers } from 'rxjs/testing';
import { inPool, priorityQueue, resetStageStats, stageStats } from '../../src/operators';
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

  describe('with isStale', () => {
    beforeEach(() => resetStageStats());

    /**
     * A queue whose items turn stale when `staleAt` (marbles) emits them, feeding a one-slot consumer that
     * takes `work` per item; records what was discarded as stale and what was dropped for priority.
     */
    function staleQueue(stage: string, capacity: number, staleAt: string, work: string) {
      const stale = new Set<Key>();
      const discarded: Key[] = [];
      const drops: Key[] = [];
      const pipeline = (cold: RunHelpers['cold'], source: string) => {
        cold<Key>(staleAt).subscribe((k) => stale.add(k));
        return cold<Key>(source).pipe(
          priorityQueue<Key>({
            capacity,
            priority: (k) => priorities[k],
            isStale: (k) => stale.has(k),
            onStale: (k) => discarded.push(k),
            onDrop: (k) => drops.push(k),
            stage,
          }),
          inPool((k: Key) => cold(work, { x: k }), { concurrency: 1 }),
        );
      };
      return { discarded, drops, pipeline };
    }

    it('skips an item that turned stale while it waited, and counts it apart from drops', () => {
      // b (the highest priority) is cancelled at frame 2, while a runs.
      const { discarded, drops, pipeline } = staleQueue('pq-stale-skip', 10, '--b', '-----(x|)');
      marbles().run(({ cold, expectObservable }) => {
        const out = pipeline(cold, 'abcd|');
        // Without b: a, then d (5), c (3); b costs the consumer no slot.
        expectObservable(out).toBe('5ms a 4ms d 4ms (c|)');
      });
      expect(discarded).toEqual(['b']);
      expect(drops).toEqual([]);
      expect(stageStats('pq-stale-skip')).toMatchObject({
        in: 4,
        out: 3,
        dropped: { stale: 1 },
        queueDepth: 0,
      });
    });

    it('when full discards stale items before it drops a live one, even one of lower priority', () => {
      // b turns stale after c arrived (it is no longer checked as the head) and before e arrives.
      const { discarded, drops, pipeline } = staleQueue('pq-stale-full', 2, '---b', '-----(x|)');
      marbles().run(({ cold, expectObservable }) => {
        const out = pipeline(cold, 'abc-e|');
        // Queue [b (stale), c] when e (1) arrives: b goes, e stays (without isStale e itself is dropped).
        expectObservable(out).toBe('5ms a 4ms c 4ms (e|)');
      });
      expect(discarded).toEqual(['b']);
      expect(drops).toEqual([]);
      expect(stageStats('pq-stale-full')).toMatchObject({ in: 4, out: 3, dropped: { stale: 1 } });
      expect(stageStats('pq-stale-full')?.dropped.priority).toBeUndefined();
    });

    it('still drops for priority when nothing held is stale, and discards every stale item at once', () => {
      // e arrives into [b, c] with nothing stale: e (lowest) is dropped. Then b and c turn stale; d
      // arrives into the full queue and both go, in arrival order.
      const { discarded, drops, pipeline } = staleQueue('pq-stale-sweep', 2, '----(cb)', '-------(x|)');
      marbles().run(({ cold, expectObservable }) => {
        const out = pipeline(cold, 'abce-d|');
        expectObservable(out).toBe('7ms a 6ms (d|)');
      });
      expect(drops).toEqual(['e']);
      expect(discarded).toEqual(['b', 'c']);
      expect(stageStats('pq-stale-sweep')).toMatchObject({
        in: 5,
        out: 2,
        dropped: { priority: 1, stale: 2 },
      });
    });

    it('discards an item that is stale on arrival; a plain subscriber never sees it', () => {
      const discarded: Key[] = [];
      marbles().run(({ cold, expectObservable }) => {
        const out = cold<Key>('a-b-c|').pipe(
          priorityQueue<Key>({
            capacity: 1,
            priority: (k) => priorities[k],
            isStale: (k) => k === 'b',
            onStale: (k) => discarded.push(k),
          }),
        );
        expectObservable(out).toBe('a---c|');
      });
      expect(discarded).toEqual(['b']);
    });

    it('completes once only stale items are left', () => {
      const stale = new Set<Key>();
      marbles().run(({ cold, expectObservable }) => {
        cold<Key>('---c').subscribe((k) => stale.add(k));
        const out = cold<Key>('bc|').pipe(
          priorityQueue<Key>({ capacity: 5, priority: (k) => priorities[k], isStale: (k) => stale.has(k) }),
          inPool((k: Key) => cold('-----(x|)', { x: k }), { concurrency: 1 }),
        );
        // c turns stale after the source completed: the stream ends with b instead of waiting to run c.
        expectObservable(out).toBe('5ms (b|)');
      });
    });

    it('errors the stream when isStale throws', () => {
      marbles().run(({ cold, expectObservable }) => {
        const out = cold<Key>('a-b|').pipe(
          priorityQueue<Key>({
            capacity: 2,
            priority: (k) => priorities[k],
            isStale: (k) => {
              if (k === 'b') throw new Error('bad item');
              return false;
            },
          }),
        );
        expectObservable(out).toBe('a-#', undefined, new Error('bad item'));
      });
    });
  });

  it('with isStale behaves like a sorted-list model under any arrivals, cancellations and demand', () => {
    // Weighted towards arrivals so that the queue is often full when items turn stale.
    const op = fc.oneof(
      {
        weight: 5,
        arbitrary: fc.record({
          push: fc.integer({ min: 0, max: 20 }),
          staleOnArrival: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
        }),
      },
      { weight: 1, arbitrary: fc.record({ take: fc.integer({ min: 1, max: 3 }) }) },
      { weight: 2, arbitrary: fc.record({ cancel: fc.nat() }) },
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 120 }), (capacity, ops) => {
        type Item = { id: number; p: number; stale: boolean };
        const source = new Subject<Item>();
        const delivered: number[] = [];
        const dropped: number[] = [];
        const discarded: number[] = [];
        const queue = priorityQueue<Item>({
          capacity,
          priority: (i) => i.p,
          isStale: (i) => i.stale,
          onStale: (i) => discarded.push(i.id),
          onDrop: (i) => dropped.push(i.id),
        });
        const sub = queue(source).subscribeWithDemand({
          next: (i) => {
            expect(i.stale).toBe(false);
            delivered.push(i.id);
          },
        });

        // The model: a plain array; stale items leave when they would be next or when the queue is full.
        let held: Item[] = [];
        const modelDelivered: number[] = [];
        const modelDropped: number[] = [];
        const modelDiscarded: number[] = [];
        let credit = 0;
        const modelDrain = () => {
          while (held.length > 0) {
            const best = held.reduce((x, y) => (y.p > x.p || (y.p === x.p && y.id < x.id) ? y : x));
            if (!best.stale && credit === 0) break;
            held = held.filter((i) => i !== best);
            if (best.stale) modelDiscarded.push(best.id);
            else {
              modelDelivered.push(best.id);
              credit--;
            }
          }
        };
        let id = 0;
        for (const o of ops) {
          if ('push' in o) {
            const item = { id: id++, p: o.push, stale: o.staleOnArrival };
            if (item.stale) modelDiscarded.push(item.id);
            else {
              held.push(item);
              if (held.length > capacity) {
                for (const i of held) if (i.stale) modelDiscarded.push(i.id);
                held = held.filter((i) => !i.stale);
              }
              if (held.length > capacity) {
                const worst = held.reduce((x, y) => (y.p < x.p || (y.p === x.p && y.id > x.id) ? y : x));
                held = held.filter((i) => i !== worst);
                modelDropped.push(worst.id);
              }
              modelDrain();
            }
            source.next(item);
          } else if ('take' in o) {
            credit += o.take;
            modelDrain();
            sub.request(o.take);
          } else if (held.length > 0) {
            // Turning stale is silent: the queue finds out when it next looks at the item.
            held[o.cancel % held.length].stale = true;
          }
          expect(held.length).toBeLessThanOrEqual(capacity);
        }
        source.complete();
        sub.request(capacity);
        credit += capacity;
        modelDrain();
        expect(delivered).toEqual(modelDelivered);
        expect(dropped).toEqual(modelDropped);
        expect(discarded).toEqual(modelDiscarded);
        expect(delivered.length + dropped.length + discarded.length).toBe(id);
        expect(sub.closed).toBe(true);
      }),
      { numRuns: 300 },
    );
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
