import fc from 'fast-check';
import { MinMaxHeap } from '../../src/operators/internal/heap';

describe('MinMaxHeap', () => {
  it('pops the min and the max of any sequence of pushes and pops, like a sorted array', () => {
    const op = fc.oneof(
      fc.integer({ min: -50, max: 50 }),
      fc.constant('min' as const),
      fc.constant('max' as const),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const heap = new MinMaxHeap<number>((a, b) => a < b);
        const model: number[] = [];
        for (const o of ops) {
          if (typeof o === 'number') {
            heap.push(o);
            model.push(o);
            model.sort((a, b) => a - b);
          } else if (o === 'min') expect(heap.popMin()).toBe(model.shift());
          else expect(heap.popMax()).toBe(model.pop());
          expect(heap.size).toBe(model.length);
          expect(heap.peekMin()).toBe(model[0]);
          expect(heap.peekMax()).toBe(model[model.length - 1]);
        }
      }),
      { numRuns: 300 },
    );
  });
});
