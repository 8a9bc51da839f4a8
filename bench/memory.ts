/**
 * Memory under a fast producer: a source offering items 10x faster than the consumer takes them, for
 * 60 s (10 s in quick mode), under each bounded-buffer policy, against plain RxJS `mergeMap(fn, 1)` (the
 * usual way to "bound" concurrency, which bounds nothing in memory). Each policy runs in its own process.
 */
import { Observable, mergeMap, from, type Subscription } from 'rxjs';
import { boundedBuffer, type BufferPolicy } from '../src/operators/bounded-buffer';
import { inPool } from '../src/operators/in-pool';
import { pullFrom } from '../src/operators/pull-from';
import { fmt, rssMb, sleep } from './lib/measure';
import type { BenchDefinition, CaseContext } from './lib/types';

const ITEM_BYTES = 16 * 1024;
const PRODUCE_PER_SECOND = 1000;
const CONSUME_MS = 10; // 100 items/s: the producer is 10x faster
const CAPACITY = 8;
const MAX_AGE_MS = 100;
const MAX_AGE_CAPACITY = 1000; // large, so that age (not capacity) is what bounds the max-age buffer

type CaseId = BufferPolicy | 'mergeMap';
const CASES: CaseId[] = ['wait', 'drop-oldest', 'drop-newest', 'max-age', 'mergeMap'];

interface Item {
  seq: number;
  at: number;
  payload: Uint8Array;
}

interface MemoryResult {
  policy: CaseId;
  seconds: number;
  produced: number;
  consumed: number;
  dropped: number;
  maxHeld: number;
  rss: { start: number; middle: number; end: number; max: number };
  heapUsedEndMb: number;
}

function makeItem(seq: number): Item {
  const payload = new Uint8Array(ITEM_BYTES);
  payload[0] = seq & 0xff; // touch it, so the pages are really allocated
  payload[ITEM_BYTES - 1] = 1;
  return { seq, at: Date.now(), payload };
}

async function runCase(caseId: string, ctx: CaseContext): Promise<MemoryResult> {
  const policy = caseId as CaseId;
  const durationMs = ctx.quick ? 10_000 : 60_000;
  let produced = 0;
  let consumed = 0;
  let dropped = 0;
  let maxHeld = 0;
  const noteHeld = () => {
    maxHeld = Math.max(maxHeld, produced - consumed - dropped);
  };
  const produce = (): Item => {
    const item = makeItem(produced++);
    noteHeld();
    return item;
  };
  // Push source: PRODUCE_PER_SECOND items/s in bursts every 10 ms.
  const pushSource = new Observable<Item>((sub) => {
    const perTick = PRODUCE_PER_SECOND / 100;
    const timer = setInterval(() => {
      for (let i = 0; i < perTick; i++) sub.next(produce());
    }, 10);
    return () => clearInterval(timer);
  });
  const consume = async (item: Item): Promise<number> => {
    consumed++;
    await sleep(CONSUME_MS);
    return item.payload[0];
  };

  let stream: Observable<number>;
  if (policy === 'mergeMap') stream = pushSource.pipe(mergeMap((item) => from(consume(item)), 1));
  else {
    const source =
      policy === 'wait'
        ? pullFrom<Item>(
            (function* () {
              for (;;) yield produce();
            })(),
          )
        : pushSource;
    stream = source.pipe(
      boundedBuffer<Item>({
        capacity: policy === 'max-age' ? MAX_AGE_CAPACITY : CAPACITY,
        policy,
        maxAgeMs: MAX_AGE_MS,
        onDrop: () => dropped++,
        stage: `bench-${policy}`,
      }),
      inPool(consume, { concurrency: 1, stage: `bench-consumer-${policy}` }),
    );
  }

  (globalThis as { gc?: () => void }).gc?.();
  const start = rssMb();
  const samples: Array<{ t: number; rss: number }> = [];
  const t0 = performance.now();
  const sub: Subscription = stream.subscribe();
  const timer = setInterval(() => samples.push({ t: performance.now() - t0, rss: rssMb() }), 250);
  const report = setInterval(
    () =>
      ctx.progress(
        `${Math.round((performance.now() - t0) / 1000)} s: RSS ${fmt(rssMb())} MB, held ${produced - consumed - dropped}`,
      ),
    ctx.quick ? 5000 : 15_000,
  );
  await sleep(durationMs);
  clearInterval(timer);
  clearInterval(report);
  const end = rssMb();
  const heapUsedEndMb = process.memoryUsage().heapUsed / 1e6;
  sub.unsubscribe();
  const middle = samples.reduce(
    (best, s) => (Math.abs(s.t - durationMs / 2) < Math.abs(best.t - durationMs / 2) ? s : best),
    samples[0],
  );
  return {
    policy,
    seconds: (performance.now() - t0) / 1000,
    produced,
    consumed,
    dropped,
    maxHeld,
    rss: { start, middle: middle.rss, end, max: Math.max(end, ...samples.map((s) => s.rss)) },
    heapUsedEndMb,
  };
}

const LABEL: Record<CaseId, string> = {
  wait: `boundedBuffer wait (pullFrom), capacity ${CAPACITY}`,
  'drop-oldest': `boundedBuffer drop-oldest, capacity ${CAPACITY}`,
  'drop-newest': `boundedBuffer drop-newest, capacity ${CAPACITY}`,
  'max-age': `boundedBuffer max-age ${MAX_AGE_MS} ms`,
  mergeMap: 'plain RxJS mergeMap(fn, 1), no buffer (baseline)',
};

export const memory: BenchDefinition = {
  name: 'memory',
  title: 'Memory: a producer 10x faster than the consumer',
  cases: () => CASES,
  parallel: true, // light on CPU: one timer producer, one sleeping consumer per process
  caseTimeoutMs: (quick) => (quick ? 60_000 : 150_000),
  runCase,
  summarize(data) {
    const results = CASES.map((c) => data[c] as MemoryResult | undefined).filter(
      (r): r is MemoryResult => !!r,
    );
    const base = results.find((r) => r.policy === 'mergeMap');
    const seconds = Math.round(results[0]?.seconds ?? 0);
    return {
      baseline: LABEL.mergeMap,
      tables: [
        {
          columns: [
            'policy',
            'RSS start / middle / end (MB)',
            'growth start→end (MB)',
            'growth middle→end (MB)',
            'max items held',
            'produced',
            'consumed',
            'dropped',
          ],
          rows: results.map((r) => [
            LABEL[r.policy],
            `${fmt(r.rss.start)} / ${fmt(r.rss.middle)} / ${fmt(r.rss.end)}`,
            fmt(r.rss.end - r.rss.start),
            fmt(r.rss.end - r.rss.middle),
            r.maxHeld.toLocaleString('en-US'),
            r.produced.toLocaleString('en-US'),
            r.consumed.toLocaleString('en-US'),
            r.dropped.toLocaleString('en-US'),
          ]),
        },
      ],
      notes: [
        `${seconds} s per policy, each in its own process (all at once). Items carry ${ITEM_BYTES / 1024} KB; the push ` +
          `source offers ${PRODUCE_PER_SECOND} items/s, the consumer takes one per ${CONSUME_MS} ms (${1000 / CONSUME_MS}/s).`,
        'RSS start is taken after a forced GC; the first seconds of growth are V8 sizing its heap for the ' +
          'garbage of dropped items, so flatness shows in the middle→end column.',
        '`wait` pulls the reader only when there is room, so nothing is produced ahead (produced = consumed + held).',
        base
          ? `Baseline: mergeMap queued ${base.maxHeld.toLocaleString('en-US')} items and grew RSS by ${fmt(base.rss.end - base.rss.start)} MB; ` +
            'the bounded policies hold at most their capacity (max-age: what arrives within its age limit).'
          : 'Baseline missing.',
      ],
      data: results,
    };
  },
};
