import { metricsRegistry } from '../../src/metrics/registry';
import { StageCounters, boundedBuffer, inPool, meter, metered, stageStats } from '../../src/operators';
import { marbles } from './marbles';

describe('meter', () => {
  it('counts items in and out and measures each item through the wrapped operator', () => {
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('ab|').pipe(
        meter(
          'meter-latency',
          inPool((v: string) => cold('-----(x|)', { x: v }), { concurrency: 1 }),
          {
            labels: { channel: 'cam1' },
          },
        ),
      );
      expectObservable(out).toBe('5ms a 4ms (b|)');
    });
    // a: in at 0, out at 5; b: in at 1, waits for the slot, out at 10.
    const stats = stageStats('meter-latency', { channel: 'cam1' });
    expect(stats).toMatchObject({ in: 2, out: 2, inFlight: 0, latency: { count: 2, meanMs: 7, maxMs: 9 } });
  });

  it('reports in/out counts to Prometheus with stage and channel labels', async () => {
    marbles().run(({ cold, expectObservable }) => {
      expectObservable(
        cold('abc|').pipe(meter('meter-prom', (s) => s, { labels: { channel: 'cam9' } })),
      ).toBe('abc|');
    });
    const items = await metricsRegistry.getSingleMetric('rxvision_stage_items_total')!.get();
    const mine = items.values.filter((v) => v.labels.stage === 'meter-prom');
    expect(mine).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          value: 3,
          labels: expect.objectContaining({ channel: 'cam9', direction: 'in' }),
        }),
        expect.objectContaining({
          value: 3,
          labels: expect.objectContaining({ channel: 'cam9', direction: 'out' }),
        }),
      ]),
    );
  });
});

describe('metered', () => {
  it('counts what passes and keeps a bounded buffer bounded in front of inPool', () => {
    const drops: string[] = [];
    marbles().run(({ cold, expectObservable }) => {
      const out = cold('a b c d 5ms e |').pipe(
        boundedBuffer<string>({ capacity: 2, policy: 'drop-oldest', onDrop: (i) => drops.push(i) }),
        metered('metered-mid'),
        inPool((v: string) => cold('-----(x|)', { x: v }), { concurrency: 1 }),
      );
      // Same timing as without `metered`: demand passes through it.
      expectObservable(out).toBe('5ms a 4ms c 4ms d 4ms (e|)');
    });
    expect(drops).toEqual(['b']);
    expect(stageStats('metered-mid')).toMatchObject({ out: 4 });
  });
});

describe('StageCounters', () => {
  it('reports the output rate over the last five seconds', () => {
    let t = 10_000;
    const counters = new StageCounters('rate', {}, () => t);
    for (let i = 0; i < 10; i++) counters.countOut();
    t += 2000;
    for (let i = 0; i < 5; i++) counters.countOut();
    expect(counters.snapshot().outPerSecond).toBe(15 / 5);
    t += 4000; // the first ten are now older than the window
    expect(counters.snapshot().outPerSecond).toBe(5 / 5);
    t += 5000;
    expect(counters.snapshot()).toMatchObject({ out: 15, outPerSecond: 0 });
  });
});
