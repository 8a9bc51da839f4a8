import { asyncScheduler, tap } from 'rxjs';
import type { TestScheduler } from 'rxjs/testing';
import {
  BufferOverflowError,
  boundedBuffer,
  inPool,
  pullFrom,
  stageStats,
  type DropReason,
} from '../../src/operators';
import { marbles } from './marbles';

/** A task that answers its item after five frames (a slow consumer). */
const slowTask = (cold: TestScheduler['createColdObservable']) => (v: string) => cold('-----(x|)', { x: v });

describe('boundedBuffer', () => {
  it('passes items straight through to a plain subscriber (unlimited demand)', () => {
    marbles().run(({ cold, expectObservable }) => {
      const source = cold('a-b-c|');
      expectObservable(source.pipe(boundedBuffer({ capacity: 1, policy: 'drop-oldest' }))).toBe('a-b-c|');
    });
  });

  it('drop-oldest keeps the latest items in front of a slow consumer', () => {
    const drops: [string, DropReason, number][] = [];
    marbles().run(({ cold, expectObservable }) => {
      const source = cold('a b c d 5ms e |');
      const out = source.pipe(
        boundedBuffer<string>({
          capacity: 2,
          policy: 'drop-oldest',
          stage: 'bb-oldest',
          onDrop: (item, reason) => drops.push([item, reason, asyncScheduler.now()]),
        }),
        inPool(slowTask(cold), { concurrency: 1 }),
      );
      // a runs at once; b, c wait; d pushes b out; c and d follow a; e arrives after c started.
      expectObservable(out).toBe('5ms a 4ms c 4ms d 4ms (e|)');
    });
    expect(drops).toEqual([['b', 'oldest', 3]]);
    expect(stageStats('bb-oldest')).toMatchObject({ in: 5, out: 4, dropped: { oldest: 1 }, queueDepth: 0 });
  });

  it('drop-newest keeps the earliest items and drops arrivals while full', () => {
    const drops: string[] = [];
    marbles().run(({ cold, expectObservable }) => {
      const source = cold('a b c d 5ms e |');
      const out = source.pipe(
        boundedBuffer<string>({ capacity: 2, policy: 'drop-newest', onDrop: (item) => drops.push(item) }),
        inPool(slowTask(cold), { concurrency: 1 }),
      );
      expectObservable(out).toBe('5ms a 4ms b 4ms c 4ms (e|)');
    });
    expect(drops).toEqual(['d']);
  });

  it('max-age drops items by age, on a timer and before delivery', () => {
    const drops: [string, DropReason, number][] = [];
    marbles().run(({ cold, expectObservable }) => {
      const source = cold('a b c d 5ms e |');
      const out = source.pipe(
        boundedBuffer<string>({
          capacity: 3,
          policy: 'max-age',
          maxAgeMs: 3,
          onDrop: (item, reason) => drops.push([item, reason, asyncScheduler.now()]),
        }),
        inPool(slowTask(cold), { concurrency: 1 }),
      );
      // b (queued at 1) expires at 4 while the consumer is busy, c (queued at 2) is stale when a slot
      // frees at 5, d is still fresh.
      expectObservable(out).toBe('5ms a 4ms d 4ms (e|)');
    });
    expect(drops).toEqual([
      ['b', 'expired', 4],
      ['c', 'expired', 5],
    ]);
  });

  it('max-age drops the oldest when full', () => {
    const drops: [string, DropReason][] = [];
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('abcd|').pipe(
        boundedBuffer<string>({
          capacity: 2,
          policy: 'max-age',
          maxAgeMs: 100,
          onDrop: (item, reason) => drops.push([item, reason]),
        }),
        inPool(slowTask(cold), { concurrency: 1 }),
      );
      expectObservable(out).toBe('5ms a 4ms c 4ms (d|)');
    });
    expect(drops).toEqual([['b', 'oldest']]);
  });

  it("policy 'wait' pulls from a pull source only when there is room", () => {
    const pulledAt: number[] = [];
    let emitted = 0;
    let maxAlive = 0;
    function* frames() {
      for (let i = 1; i <= 6; i++) {
        pulledAt.push(asyncScheduler.now());
        maxAlive = Math.max(maxAlive, pulledAt.length - emitted);
        yield String(i);
      }
    }
    marbles().run(({ cold, expectObservable }) => {
      const out = pullFrom(frames()).pipe(
        boundedBuffer<string>({ capacity: 2, policy: 'wait' }),
        inPool((v: string) => cold('-----(x|)', { x: v }), { concurrency: 1 }),
        tap(() => emitted++),
      );
      expectObservable(out).toBe('5ms 1 4ms 2 4ms 3 4ms 4 4ms 5 4ms (6|)');
    });
    // Frame 0: two to fill the buffer and one for the freed place when 1 entered the pool; then one per
    // finished task.
    expect(pulledAt).toEqual([0, 0, 0, 5, 10, 15]);
    expect(maxAlive).toBe(3); // capacity + concurrency
  });

  it("policy 'wait' errors instead of growing when a push source overflows it", () => {
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('abc|').pipe(
        boundedBuffer<string>({ capacity: 1, policy: 'wait', stage: 'bb-wait' }),
        inPool(slowTask(cold), { concurrency: 1 }),
      );
      expectObservable(out).toBe('--#', undefined, new BufferOverflowError('bb-wait', 1));
    });
  });

  it('delivers what is left after the source completes, on demand', () => {
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('(abc|)').pipe(
        boundedBuffer<string>({ capacity: 5, policy: 'drop-newest' }),
        inPool(slowTask(cold), { concurrency: 2 }),
      );
      expectObservable(out).toBe('5ms (ab)-(c|)');
    });
  });

  it('forwards a source error at once', () => {
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('ab#').pipe(
        boundedBuffer<string>({ capacity: 5, policy: 'drop-oldest' }),
        inPool(slowTask(cold), { concurrency: 1 }),
      );
      expectObservable(out).toBe('--#');
    });
  });

  it('rejects invalid options with the stage name', () => {
    expect(() => boundedBuffer({ capacity: 0, policy: 'wait', stage: 's1' })).toThrow(/s1: .*capacity/);
    expect(() => boundedBuffer({ capacity: 2, policy: 'max-age', stage: 's2' })).toThrow(/s2: .*maxAgeMs/);
  });
});
