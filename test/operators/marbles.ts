import { TestScheduler } from 'rxjs/testing';

/** A TestScheduler that compares with jest's deep equality (RxJS's own marble-test setup). */
export function marbles(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}
