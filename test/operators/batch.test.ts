import { TestScheduler } from 'rxjs/testing';
import { batch } from '../../src/operators/batch';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('batch', () => {
  it('emits as soon as `size` items are collected', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('abcdef|');
      expectObservable(source.pipe(batch({ size: 3 }))).toBe('--x--y|', {
        x: ['a', 'b', 'c'],
        y: ['d', 'e', 'f'],
      });
    });
  });

  it('emits a partial batch timeMs after its first item, the timer restarting with each batch', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // a at 0 -> flush at 5; c at 9 -> flush at 14 (not at 10, which a free-running timer would do).
      const source = cold('ab-------c------|');
      expectObservable(source.pipe(batch({ size: 10, timeMs: 5 }))).toBe('-----x--------y-|', {
        x: ['a', 'b'],
        y: ['c'],
      });
    });
  });

  it('never emits empty batches while idle', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('a 30ms |');
      expectObservable(source.pipe(batch({ size: 5, timeMs: 3 }))).toBe('---x 27ms |', { x: ['a'] });
    });
  });

  it('completes without emitting when nothing arrived', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-----|').pipe(batch({ size: 2, timeMs: 2 }))).toBe('-----|');
    });
  });

  it('flushes the partial batch on completion', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('abc|');
      expectObservable(source.pipe(batch({ size: 2, timeMs: 100 }))).toBe('-x-(y|)', {
        x: ['a', 'b'],
        y: ['c'],
      });
    });
  });

  it('flushes the partial batch before propagating an error', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('ab-#', undefined, new Error('boom'));
      expectObservable(source.pipe(batch({ size: 5, timeMs: 100 }))).toBe(
        '---(x#)',
        { x: ['a', 'b'] },
        new Error('boom'),
      );
    });
  });

  it('cancels the pending timer when the batch fills up first', () => {
    scheduler().run(({ cold, expectObservable }) => {
      // a,b fill the batch at 1; the timer armed at 0 must not emit anything at 4.
      const source = cold('ab----c---|');
      expectObservable(source.pipe(batch({ size: 2, timeMs: 4 }))).toBe('-x--------(y|)', {
        x: ['a', 'b'],
        y: ['c'],
      });
    });
  });

  it('drops its buffer and timer on unsubscribe', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const source = cold('ab------');
      expectObservable(source.pipe(batch({ size: 5, timeMs: 4 })), '^--!').toBe('----');
    });
  });

  it('rejects invalid sizes', () => {
    expect(() => batch({ size: 0 })).toThrow(/size/);
    expect(() => batch({ size: 1.5 })).toThrow(/size/);
    expect(() => batch({ size: 2, timeMs: -1 })).toThrow(/timeMs/);
  });
});
