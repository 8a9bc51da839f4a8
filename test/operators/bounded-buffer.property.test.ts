import fc from 'fast-check';
import { Subject } from 'rxjs';
import { boundedBuffer, pullFrom } from '../../src/operators';

const step = fc.oneof(
  fc.record({ push: fc.constant(true) }),
  fc.record({ take: fc.integer({ min: 1, max: 3 }) }),
);

describe('boundedBuffer properties', () => {
  for (const policy of ['drop-oldest', 'drop-newest'] as const) {
    it(`${policy}: holds at most capacity, drops + delivered = produced, keeps FIFO order`, () => {
      fc.assert(
        fc.property(fc.integer({ min: 1, max: 5 }), fc.array(step, { maxLength: 80 }), (capacity, steps) => {
          const source = new Subject<number>();
          const delivered: number[] = [];
          const dropped: number[] = [];
          const buffer = boundedBuffer<number>({ capacity, policy, onDrop: (i) => dropped.push(i) });
          const sub = buffer(source).subscribeWithDemand({ next: (i) => delivered.push(i) });
          let produced = 0;
          for (const s of steps) {
            if ('push' in s) source.next(produced++);
            else sub.request(s.take);
            expect(produced - delivered.length - dropped.length).toBeLessThanOrEqual(capacity);
          }
          source.complete();
          sub.request(produced);
          expect(delivered.length + dropped.length).toBe(produced);
          expect([...delivered].sort((a, b) => a - b)).toEqual(delivered);
          expect(new Set([...delivered, ...dropped]).size).toBe(produced);
          expect(sub.closed).toBe(true);
        }),
      );
    });
  }

  it('wait: never pulls more than capacity ahead of the consumer and loses nothing', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 0, max: 40 }),
        fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 60 }),
        (capacity, total, takes) => {
          let pulled = 0;
          const read = () => (pulled < total ? pulled++ : null);
          const delivered: number[] = [];
          const buffer = boundedBuffer<number>({ capacity, policy: 'wait' });
          const sub = buffer(pullFrom(read)).subscribeWithDemand({ next: (i) => delivered.push(i) });
          expect(pulled).toBe(Math.min(capacity, total));
          for (const n of takes) {
            sub.request(n);
            expect(pulled - delivered.length).toBeLessThanOrEqual(capacity);
          }
          sub.request(total + 1);
          expect(delivered).toEqual(Array.from({ length: total }, (_, i) => i));
          expect(sub.closed).toBe(true);
        },
      ),
    );
  });
});
