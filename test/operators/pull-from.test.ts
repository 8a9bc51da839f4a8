import { lastValueFrom, take, toArray } from 'rxjs';
import { pullFrom } from '../../src/operators';

describe('pullFrom', () => {
  it('reads an async iterable in order and completes', async () => {
    async function* numbers() {
      for (let i = 0; i < 5; i++) yield i;
    }
    await expect(lastValueFrom(pullFrom(numbers()).pipe(toArray()))).resolves.toEqual([0, 1, 2, 3, 4]);
  });

  it('reads a read function until it returns null, one read at a time', async () => {
    let outstanding = 0;
    let maxOutstanding = 0;
    let n = 0;
    const read = async () => {
      outstanding++;
      maxOutstanding = Math.max(maxOutstanding, outstanding);
      await new Promise((r) => setImmediate(r));
      outstanding--;
      return n < 4 ? `line${n++}` : null;
    };
    await expect(lastValueFrom(pullFrom(read).pipe(toArray()))).resolves.toEqual([
      'line0',
      'line1',
      'line2',
      'line3',
    ]);
    expect(maxOutstanding).toBe(1);
  });

  it('reads only as many items as were requested', async () => {
    let reads = 0;
    const sub = pullFrom(() => ++reads).subscribeWithDemand({});
    expect(reads).toBe(0);
    sub.request(3);
    expect(reads).toBe(3);
    sub.unsubscribe();
  });

  it('closes the iterator when the consumer unsubscribes early (generators run their finally)', async () => {
    let closed = false;
    function* endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        closed = true;
      }
    }
    await expect(lastValueFrom(pullFrom(endless()).pipe(take(3), toArray()))).resolves.toEqual([0, 1, 2]);
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(true);
  });

  it('yields to the event loop between synchronous reads under unlimited demand', async () => {
    let reads = 0;
    const read = () => {
      if (++reads > 100_000) throw new Error('reader starved the event loop');
      return reads;
    };
    const errors: unknown[] = [];
    const sub = pullFrom(read).subscribe({ error: (e: unknown) => errors.push(e) });
    await new Promise((r) => setTimeout(r, 5)); // fires only if pullFrom lets the event loop run
    sub.unsubscribe();
    expect(errors).toEqual([]);
    expect(reads).toBeGreaterThan(0);
  });

  it('forwards a read error', async () => {
    const read = () => Promise.reject(new Error('frames.avi: read failed'));
    await expect(lastValueFrom(pullFrom(read))).rejects.toThrow('frames.avi: read failed');
  });
});
