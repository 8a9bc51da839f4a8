/** Test worker whose `init` always fails: the pool must give up after its start-failure limit. */
import { exposeWorker } from '../../src/pools/expose';

const api = {
  init(reason: string): never {
    throw new Error(`init refused: ${reason}`);
  },
  echo<T>(value: T): T {
    return value;
  },
};

export type BadInitApi = typeof api;

exposeWorker(api);
