import { Observable, fromEvent, interval, map, of, take, takeUntil } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { runWhileLeased } from '../../src/cluster/lease-runs';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

/** A run that ticks every 3 frames until its signal aborts (at most `n` values). */
const ticking =
  (n = 10) =>
  (id: string, signal: AbortSignal): Observable<string> =>
    interval(3).pipe(
      map((i) => `${id}${i}`),
      take(n),
      takeUntil(fromEvent(signal, 'abort')),
    );

describe('runWhileLeased', () => {
  it('starts a run when its id enters the set and stops it when it leaves; completes after the last run', () => {
    scheduler().run(({ hot, expectObservable, flush }) => {
      const ends: string[] = [];
      const leases = hot('a---b---c---|', { a: new Set(['x']), b: new Set(['x', 'y']), c: new Set(['y']) });
      const runs = leases.pipe(runWhileLeased(ticking(3), (id) => ends.push(id)));
      // x: x0 at 3, x1 at 6, stopped at 8; y (from 4): y0 at 7, y1 at 10, y2 at 13 (its last), then done.
      expectObservable(runs).toBe('---a--bc--d--(e|)', { a: 'x0', b: 'x1', c: 'y0', d: 'y1', e: 'y2' });
      flush();
      expect(ends).toEqual(['x', 'y']);
    });
  });

  it('does not restart a run that ended by itself while held, but does once its id left and came back', () => {
    scheduler().run(({ hot, expectObservable }) => {
      const x = new Set(['x']);
      expectObservable(hot('a-a-a|', { a: x }).pipe(runWhileLeased((id) => of(id)))).toBe('x----|');
      expectObservable(
        hot('a-e-a|', { a: x, e: new Set<string>() }).pipe(runWhileLeased((id) => of(id))),
      ).toBe('x---x|');
    });
  });

  it('aborts every run when unsubscribed', () => {
    const signals: AbortSignal[] = [];
    const sub = of(new Set(['x', 'y']))
      .pipe(
        runWhileLeased((_id, signal) => {
          signals.push(signal);
          return new Observable<never>(() => undefined);
        }),
      )
      .subscribe();
    expect(signals.map((s) => s.aborted)).toEqual([false, false]);
    sub.unsubscribe();
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
  });
});
