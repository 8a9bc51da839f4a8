import { asyncScheduler, from, lastValueFrom } from 'rxjs';
import type { ColdObservable } from 'rxjs/internal/testing/ColdObservable';
import { StageItemError, inPool, stageStats } from '../../src/operators';
import { marbles } from './marbles';

describe('inPool', () => {
  // a takes 5 frames, b 1, c 2.
  const durations: Record<string, string> = { a: '-----(x|)', b: '-(x|)', c: '--(x|)' };

  it('ordered mode emits in input order, holding finished results for their predecessors', () => {
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('abc|').pipe(inPool((v: string) => cold(durations[v], { x: v }), { concurrency: 3 }));
      expectObservable(out).toBe('5ms (abc|)');
    });
  });

  it('unordered mode emits results as tasks finish', () => {
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('abc|').pipe(
        inPool((v: string) => cold(durations[v], { x: v }), { concurrency: 3, ordered: false }),
      );
      expectObservable(out).toBe('--b-c(a|)');
    });
  });

  it('runs at most `concurrency` tasks at once', () => {
    marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
      const tasks = ['a', 'b', 'c', 'd'].map((v) => cold('---(x|)', { x: v }));
      const out = cold('abcd|', { a: 0, b: 1, c: 2, d: 3 }).pipe(
        inPool((i: number) => tasks[i], { concurrency: 2 }),
      );
      expectObservable(out).toBe('---ab-c(d|)');
      expectSubscriptions(tasks[0].subscriptions).toBe('^--!');
      expectSubscriptions(tasks[1].subscriptions).toBe('-^--!');
      expectSubscriptions(tasks[2].subscriptions).toBe('---^--!'); // waits for a's slot
      expectSubscriptions(tasks[3].subscriptions).toBe('----^--!'); // waits for b's slot
    });
  });

  it('in ordered mode a finished result waiting for its predecessor keeps its slot', () => {
    const emitted: [string, number][] = [];
    marbles().run(({ cold, expectSubscriptions }) => {
      const tasks: Record<string, ColdObservable<string>> = {
        a: cold('-----(x|)', { x: 'a' }),
        b: cold('-(x|)', { x: 'b' }),
        c: cold('-(x|)', { x: 'c' }),
      };
      cold('abc|')
        .pipe(inPool((v: string) => tasks[v], { concurrency: 2 }))
        .subscribe((v) => emitted.push([v, asyncScheduler.now()]));
      // b is done at 2 but holds its slot until a is emitted at 5; only then may c start.
      expectSubscriptions(tasks.c.subscriptions).toBe('5ms ^!');
    });
    expect(emitted).toEqual([
      ['a', 5],
      ['b', 5],
      ['c', 6],
    ]);
  });

  it('passes every value of a multi-valued task, in order', () => {
    marbles().run(({ cold, expectObservable }) => {
      const tasks: Record<string, string> = { a: '--1--2|', b: '3(4|)' };
      const out = cold('ab|').pipe(inPool((v: string) => cold(tasks[v]), { concurrency: 2 }));
      expectObservable(out).toBe('--1--2(34|)');
    });
  });

  it('retries a failing task, then skips it and reports the identity', () => {
    const calls: string[] = [];
    const skipped: StageItemError[] = [];
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('a b c|').pipe(
        inPool(
          (v: string) => {
            calls.push(v);
            return v === 'b' ? cold('-#', undefined, new Error('decoder crashed')) : cold('--(x|)', { x: v });
          },
          {
            concurrency: 1,
            onError: { retry: 2, then: 'skip' },
            identify: (v) => `cam1#${v}`,
            onSkip: (err) => skipped.push(err),
            stage: 'pool-retry-skip',
          },
        ),
      );
      // a at 0-2; b fails at 3, 4 and 5 (three attempts); c runs 5-7.
      expectObservable(out).toBe('--a----(c|)');
    });
    expect(calls).toEqual(['a', 'b', 'b', 'b', 'c']);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]).toMatchObject({ identity: 'cam1#b', attempts: 3, stage: 'pool-retry-skip' });
    expect(skipped[0].message).toContain('decoder crashed');
    expect(stageStats('pool-retry-skip')).toMatchObject({ in: 3, out: 2, retried: 2, skipped: 1, failed: 0 });
  });

  it('a retry that succeeds delivers the result', () => {
    let attempts = 0;
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('a|').pipe(
        inPool(() => (++attempts < 2 ? cold('-#') : cold('-(x|)')), {
          concurrency: 1,
          onError: { retry: 1 },
        }),
      );
      expectObservable(out).toBe('--(x|)');
    });
    expect(attempts).toBe(2);
  });

  it("'fail' errors the pipeline with the item identity", () => {
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('ab|').pipe(
        inPool(
          (v: string) => (v === 'b' ? cold('-#', undefined, new Error('boom')) : cold('---(x|)', { x: v })),
          {
            concurrency: 2,
            identify: (v) => `photos/${v}.jpg`,
            stage: 'hash',
          },
        ),
      );
      expectObservable(out).toBe(
        '--#',
        undefined,
        new StageItemError('hash', 'photos/b.jpg', 1, new Error('boom')),
      );
    });
  });

  it("takes the identity from the task error (a pool's TaskError) when no identify is given", async () => {
    const failure = Object.assign(new Error('worker died'), { identity: 'cam2#frame42' });
    const out = from(['x']).pipe(inPool(() => Promise.reject(failure), { concurrency: 1, stage: 'detect' }));
    const error = await lastValueFrom(out).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageItemError);
    expect(error).toMatchObject({ identity: 'cam2#frame42', cause: failure });
    expect((error as Error).message).toBe('detect: item cam2#frame42 failed after 1 attempt: worker died');
  });

  it('in ordered mode a skipped item does not block its successors', () => {
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('abc|').pipe(
        inPool((v: string) => (v === 'a' ? cold('---#') : cold('-(x|)', { x: v })), {
          concurrency: 3,
          onError: 'skip',
        }),
      );
      expectObservable(out).toBe('---(bc|)');
    });
  });

  it('forwards a source error and stops running tasks', () => {
    marbles().run(({ cold, expectObservable, expectSubscriptions }) => {
      const task = cold('----(x|)');
      const out = cold('a-#').pipe(inPool(() => task, { concurrency: 1 }));
      expectObservable(out).toBe('--#');
      expectSubscriptions(task.subscriptions).toBe('^-!');
    });
  });

  it('rejects invalid options with the stage name', () => {
    expect(() => inPool(() => [1], { concurrency: 0, stage: 'detect' })).toThrow(/detect: .*concurrency/);
    expect(() => inPool(() => [1], { concurrency: 1, onError: { retry: -1 }, stage: 'x' })).toThrow(
      /x: .*retry/,
    );
  });
});
