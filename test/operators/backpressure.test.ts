/**
 * Real asynchronous producers ten times faster than their consumer (no virtual time, no timing asserts):
 * the number of items alive at once must stay within capacity + concurrency.
 */
import { Observable, lastValueFrom, tap, toArray } from 'rxjs';
import { boundedBuffer, inPool, priorityQueue, pullFrom } from '../../src/operators';

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A consumer task ten ticks long. */
async function slowTask<T>(item: T): Promise<T> {
  for (let i = 0; i < 10; i++) await tick();
  return item;
}

/** Tracks items alive: created and not yet delivered nor dropped. */
class Census {
  created = 0;
  gone = 0;
  maxAlive = 0;
  create(): number {
    this.created++;
    this.observe();
    return this.created - 1;
  }
  observe(): void {
    this.maxAlive = Math.max(this.maxAlive, this.created - this.gone);
  }
  release(): void {
    this.gone++;
  }
}

/**
 * A push source emitting `count` items, one per tick, regardless of demand. The census is read after the
 * buffer has taken each item (the item in the producer's hand is the producer's, not the pipeline's).
 */
function pushEveryTick(census: Census, count: number): Observable<number> {
  return new Observable<number>((subscriber) => {
    let stopped = false;
    void (async () => {
      for (let i = 0; i < count && !stopped; i++) {
        const item = census.created++;
        subscriber.next(item);
        census.observe();
        await tick();
      }
      subscriber.complete();
    })();
    return () => {
      stopped = true;
    };
  });
}

describe('backpressure with real async producers', () => {
  const capacity = 3;
  const concurrency = 2;

  it("pullFrom -> boundedBuffer('wait') -> inPool reads only what fits and loses nothing", async () => {
    const census = new Census();
    const read = async () => {
      await tick();
      return census.created < 60 ? { n: census.create() } : null;
    };
    const out = await lastValueFrom(
      pullFrom(read).pipe(
        boundedBuffer({ capacity, policy: 'wait' }),
        inPool(slowTask, { concurrency }),
        tap(() => census.release()),
        toArray(),
      ),
    );
    expect(out.map((i) => i.n)).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(census.maxAlive).toBeLessThanOrEqual(capacity + concurrency);
  });

  it("push source -> boundedBuffer('drop-oldest') -> inPool never holds more than capacity + concurrency", async () => {
    const census = new Census();
    let dropped = 0;
    const out = await lastValueFrom(
      pushEveryTick(census, 200).pipe(
        boundedBuffer<number>({
          capacity,
          policy: 'drop-oldest',
          onDrop: () => {
            dropped++;
            census.release();
          },
        }),
        inPool(slowTask, { concurrency, ordered: false }),
        tap(() => census.release()),
        toArray(),
      ),
    );
    expect(census.maxAlive).toBeLessThanOrEqual(capacity + concurrency);
    expect(dropped).toBeGreaterThan(0);
    expect(out.length + dropped).toBe(200);
    expect(out.at(-1)).toBe(199); // the latest item always survives drop-oldest
  });

  it('push source -> priorityQueue -> inPool never holds more than capacity + concurrency', async () => {
    const census = new Census();
    let dropped = 0;
    const out = await lastValueFrom(
      pushEveryTick(census, 200).pipe(
        priorityQueue<number>({
          capacity,
          priority: (n) => n % 7,
          onDrop: () => {
            dropped++;
            census.release();
          },
        }),
        inPool(slowTask, { concurrency }),
        tap(() => census.release()),
        toArray(),
      ),
    );
    expect(census.maxAlive).toBeLessThanOrEqual(capacity + concurrency);
    expect(out.length + dropped).toBe(200);
  });
});
