/**
 * The demand (credit) protocol that lets bounded stages exert backpressure inside an ordinary `pipe`.
 *
 * RxJS is push-only: `mergeMap(fn, n)` bounds concurrency but queues every outer value it cannot start
 * yet, so a fast producer fills memory. Here a stage that can wait (a {@link pullFrom} reader, a
 * `boundedBuffer`, a `priorityQueue`) returns a {@link DemandObservable}. A consumer that knows its free
 * capacity (`inPool`) recognises it and subscribes with {@link DemandObservable.subscribeWithDemand}: it
 * grants one credit per free slot with `request(n)`, and the producer emits only while it holds credit.
 *
 * A plain `subscribe` means unlimited demand, so a DemandObservable is still an ordinary Observable for
 * every other operator. Demand crosses only direct links: an arbitrary operator between a producer and a
 * consumer (a `map`, say) subscribes plainly and turns the link back into push. `metered` and `meter`
 * preserve demand; see {@link tapDemand} for 1:1 synchronous side effects.
 */
import { Ring } from './internal/ring';
import { Observable, type Observer, type Subscriber, type TeardownLogic, type Unsubscribable } from 'rxjs';

/** Credit granted by a consumer: how many more items the producer may emit. */
export class Credit {
  private listener: (() => void) | undefined;

  constructor(private available: number) {}

  /** Unlimited credit (a plain subscription). */
  static unlimited(): Credit {
    return new Credit(Infinity);
  }

  /** Credit currently available (Infinity when unlimited). */
  get remaining(): number {
    return this.available;
  }

  /** Consumes one credit if there is any; the producer calls this right before emitting. */
  take(): boolean {
    if (this.available <= 0) return false;
    this.available -= 1;
    return true;
  }

  /** Takes all available credit at once (for stages that pass credit upstream unchanged). */
  takeAll(): number {
    const n = this.available;
    if (Number.isFinite(n)) this.available = 0;
    return n;
  }

  /** Adds credit and wakes the producer. */
  grant(n: number): void {
    if (!(n > 0)) return;
    this.available += n;
    this.listener?.();
  }

  /** Registers the producer's wake-up call (one per credit). */
  onGrant(listener: () => void): void {
    this.listener = listener;
  }
}

/** A subscription made with demand: items arrive only after `request`. */
export interface DemandSubscription extends Unsubscribable {
  /** Grants `n` more items (n > 0). */
  request(n: number): void;
  readonly closed: boolean;
}

/** Produces items to `subscriber` while `credit` allows; returns its teardown. */
export type DemandProducer<T> = (subscriber: Subscriber<T>, credit: Credit) => TeardownLogic;

/**
 * An Observable whose producer honours consumer demand. Plain subscriptions get unlimited credit.
 */
export class DemandObservable<T> extends Observable<T> {
  /** Marks the protocol, so {@link isDemandSource} also works across duplicated module copies. */
  readonly demandProtocol = 1;

  constructor(private readonly produce: DemandProducer<T>) {
    super((subscriber) => produce(subscriber, Credit.unlimited()));
  }

  /** Subscribes with zero initial credit; the consumer calls `request` for each free slot. */
  subscribeWithDemand(observer: Partial<Observer<T>>): DemandSubscription {
    const credit = new Credit(0);
    const subscription = new Observable<T>((subscriber) => this.produce(subscriber, credit)).subscribe(
      observer,
    );
    return {
      request: (n) => {
        if (!subscription.closed) credit.grant(n);
      },
      unsubscribe: () => subscription.unsubscribe(),
      get closed() {
        return subscription.closed;
      },
    };
  }
}

/** True when `source` speaks the demand protocol. */
export function isDemandSource<T>(source: Observable<T>): source is DemandObservable<T> {
  return (
    (source as Partial<DemandObservable<T>>).demandProtocol === 1 &&
    typeof (source as Partial<DemandObservable<T>>).subscribeWithDemand === 'function'
  );
}

/**
 * Views any Observable as a demand source. A demand source is returned as is; a push source is wrapped with
 * an unbounded queue (what `mergeMap` does internally), so memory is bounded only when the source itself is
 * a demand source.
 */
export function asDemandSource<T>(source: Observable<T>): DemandObservable<T> {
  if (isDemandSource(source)) return source;
  return new DemandObservable<T>((subscriber, credit) => {
    const queue = new Ring<T>();
    let completed = false;
    let draining = false;
    // Re-entrant calls (a consumer requesting from inside `next`) only add credit for the running loop.
    const drain = (): void => {
      if (draining) return;
      draining = true;
      try {
        while (queue.size > 0 && credit.take()) subscriber.next(queue.shift() as T);
      } finally {
        draining = false;
      }
      if (completed && queue.size === 0) subscriber.complete();
    };
    credit.onGrant(drain);
    const upstream = source.subscribe({
      next: (item) => {
        queue.push(item);
        drain();
      },
      error: (err: unknown) => subscriber.error(err),
      complete: () => {
        completed = true;
        drain();
      },
    });
    return () => upstream.unsubscribe();
  });
}

/** Side effects a demand-preserving tap may observe. */
export interface DemandTapHandlers<T> {
  subscribe?: () => void;
  next?: (item: T) => void;
  finalize?: () => void;
}

/**
 * Like `tap`, but a demand source stays a demand source (credit requests pass straight through). Use it for
 * synchronous, 1:1 side effects such as counting.
 */
export function tapDemand<T>(source: Observable<T>, handlers: DemandTapHandlers<T>): Observable<T> {
  return mapDemand(
    source,
    (item) => {
      handlers.next?.(item);
      return item;
    },
    handlers,
  );
}

/**
 * Like `map`, but a demand source stays a demand source: one item out per item in, synchronously, so credit
 * requests pass straight through. `handlers` see subscription and teardown.
 */
export function mapDemand<T, R>(
  source: Observable<T>,
  project: (item: T) => R,
  handlers: Omit<DemandTapHandlers<T>, 'next'> = {},
): Observable<R> {
  const forward = (
    subscriber: Subscriber<R>,
    subscribeUpstream: (o: Partial<Observer<T>>) => Unsubscribable,
  ) => {
    handlers.subscribe?.();
    const upstream = subscribeUpstream({
      next: (item) => subscriber.next(project(item)),
      error: (err: unknown) => subscriber.error(err),
      complete: () => subscriber.complete(),
    });
    return () => {
      upstream.unsubscribe();
      handlers.finalize?.();
    };
  };
  if (!isDemandSource(source))
    return new Observable<R>((subscriber) => forward(subscriber, (o) => source.subscribe(o)));
  return new DemandObservable<R>((subscriber, credit) =>
    forward(subscriber, (o) => {
      const upstream = source.subscribeWithDemand(o);
      // Credit granted to us is handed upstream unchanged; taking it here keeps our own count honest.
      const pass = (): void => {
        const n = credit.takeAll();
        if (n > 0) upstream.request(n);
      };
      credit.onGrant(pass);
      pass();
      return upstream;
    }),
  );
}
