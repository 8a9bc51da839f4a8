/** Test worker that throws while its module loads: the pool must report it as a failed start. */
import { exposeWorker } from '../../src/pools/expose';

const api = {
  echo<T>(value: T): T {
    return value;
  },
};

if (api) throw new Error('cannot load native library libfake.so');
exposeWorker(api);
