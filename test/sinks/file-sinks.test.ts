import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import { concat, from, lastValueFrom, throwError, toArray } from 'rxjs';
import { consoleSink, jsonlSink, type SinkAck } from '../../src/sinks';
import { tempDir } from './support';

/** A Writable that holds every chunk until `release()` is called, with a tiny buffer so writes back up. */
class SlowWritable extends Writable {
  readonly chunks: string[] = [];
  private pending: Array<() => void> = [];
  maxPending = 0;
  constructor() {
    super({ highWaterMark: 8, decodeStrings: false });
  }
  override _write(chunk: string, _enc: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk);
    this.pending.push(callback);
    this.maxPending = Math.max(this.maxPending, this.writableLength);
    setImmediate(() => this.pending.shift()?.());
  }
}

describe('jsonlSink', () => {
  it('appends one JSON line per row and acknowledges every row', async () => {
    const tmp = tempDir('jsonl');
    try {
      const file = path.join(tmp.dir, 'nested', 'out.jsonl');
      const run = (from_: number) =>
        lastValueFrom(
          from(Array.from({ length: 25 }, (_, i) => ({ i: from_ + i, big: 1n, at: new Date(0) }))).pipe(
            jsonlSink(file, { batchSize: 10 }),
            toArray(),
          ),
        );
      const first = await run(0);
      expect(first.map((a) => a.rows)).toEqual([10, 10, 5]);
      await run(25); // appends, does not truncate
      const lines = readFileSync(file, 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.map((l) => JSON.parse(l).i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
      expect(JSON.parse(lines[0])).toEqual({ i: 0, big: '1', at: '1970-01-01T00:00:00.000Z' });
    } finally {
      tmp.remove();
    }
  });

  it('writes the pending rows before propagating a source error', async () => {
    const tmp = tempDir('jsonl-err');
    try {
      const file = path.join(tmp.dir, 'out.jsonl');
      const source = concat(
        from([{ i: 1 }, { i: 2 }]),
        throwError(() => new Error('source failed')),
      );
      await expect(lastValueFrom(source.pipe(jsonlSink(file, { flushEveryMs: 60_000 })))).rejects.toThrow(
        'source failed',
      );
      expect(readFileSync(file, 'utf8')).toBe('{"i":1}\n{"i":2}\n');
    } finally {
      tmp.remove();
    }
  });

  it('names the file when it cannot be written', async () => {
    const tmp = tempDir('jsonl-bad');
    try {
      const blocker = path.join(tmp.dir, 'not-a-dir');
      writeFileSync(blocker, '');
      const file = path.join(blocker, 'out.jsonl');
      await expect(lastValueFrom(from([{ i: 1 }]).pipe(jsonlSink(file)))).rejects.toThrow(blocker);
    } finally {
      tmp.remove();
    }
  });
});

describe('consoleSink', () => {
  it('prints one line per row in the chosen format and waits for drain on a slow stream', async () => {
    const stream = new SlowWritable();
    const rows = Array.from({ length: 30 }, (_, i) => ({ i, label: `face ${i}` }));
    const acks: SinkAck[] = await lastValueFrom(from(rows).pipe(consoleSink({ stream }), toArray()));
    expect(acks).toHaveLength(30);
    expect(stream.chunks.join('')).toBe(rows.map((r) => JSON.stringify(r) + '\n').join(''));
    // Without waiting for 'drain' all 30 lines would sit in the stream's buffer at once.
    expect(stream.maxPending).toBeLessThan(3 * JSON.stringify(rows[0]).length);
  });

  it('supports pretty and custom formats', async () => {
    const pretty = new SlowWritable();
    await lastValueFrom(from([{ a: 1, b: 'x' }]).pipe(consoleSink({ stream: pretty, format: 'pretty' })));
    expect(pretty.chunks.join('')).toBe("{ a: 1, b: 'x' }\n");
    const custom = new SlowWritable();
    await lastValueFrom(
      from([{ a: 1 }, { a: 2 }]).pipe(consoleSink({ stream: custom, format: (r) => `a=${r.a}` })),
    );
    expect(custom.chunks.join('')).toBe('a=1\na=2\n');
  });
});
