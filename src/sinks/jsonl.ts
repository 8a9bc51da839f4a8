import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import path from 'node:path';
import {
  Observable,
  catchError,
  concatMap,
  defer,
  finalize,
  from,
  map,
  of,
  throwError,
  type OperatorFunction,
} from 'rxjs';
import { batch } from '../operators/batch';
import { counter } from '../metrics/registry';
import type { Shutdown } from '../runtime/shutdown';
import { toJsonLine, writeWithBackpressure } from './text';
import type { SinkAck } from './types';

/** Options of {@link jsonlSink}. */
export interface JsonlSinkOptions {
  /** Write collected rows at least this often (default 200 ms after the first pending row). */
  flushEveryMs?: number;
  /** Write as soon as this many rows are pending (default 1000). */
  batchSize?: number;
  /** Sink name for metrics (default the file path). */
  name?: string;
  /** When given, the 'sinks' stop phase waits until this sink has flushed and closed its file. */
  shutdown?: Shutdown;
}

type Job<Row> = { rows: Row[]; error?: unknown };

const rowsWritten = counter('rxvision_sink_rows_total', 'Rows written by sinks (database rows, file lines)', [
  'sink',
  'table',
]);

/**
 * Appends rows to a JSON Lines file (one line per row), in batches, waiting for the stream's 'drain' when
 * its buffer is full. Emits a {@link SinkAck} per written batch; on completion (or a source error) the
 * pending rows are written and the file is closed before the stream completes (or errors).
 */
export function jsonlSink<Row>(file: string, options: JsonlSinkOptions = {}): OperatorFunction<Row, SinkAck> {
  const name = options.name ?? file;
  return (source) =>
    defer(() => {
      mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
      const stream = createWriteStream(file, { flags: 'a' });
      let markClosed!: () => void;
      const closed = new Promise<void>((resolve) => (markClosed = resolve));
      const unregister = options.shutdown?.onStop(`sink ${name}`, () => closed, 'sinks');

      const writeRows = async (rows: Row[]): Promise<SinkAck> => {
        try {
          await writeWithBackpressure(stream, rows.map((r) => toJsonLine(r) + '\n').join(''));
        } catch (err) {
          throw new Error(`jsonl sink: cannot write ${file}: ${(err as Error).message}`, { cause: err });
        }
        rowsWritten.inc({ sink: name, table: file }, rows.length);
        return { sink: name, table: file, rows: rows.length, spooled: false, attempt: 1 };
      };

      const written = source.pipe(
        batch<Row>({ size: options.batchSize ?? 1000, timeMs: options.flushEveryMs ?? 200 }),
        map((rows): Job<Row> => ({ rows })),
        // Carry a source error behind the pending writes instead of letting it cut them off.
        catchError((error: unknown) => of<Job<Row>>({ rows: [], error })),
        concatMap((job) => ('error' in job ? throwError(() => job.error) : from(writeRows(job.rows)))),
      );
      return new Observable<SinkAck>((subscriber) => {
        const inner = written.subscribe({
          next: (ack) => subscriber.next(ack),
          error: (err: unknown) => {
            void closeStream(stream).finally(() => subscriber.error(err));
          },
          complete: () => {
            closeStream(stream).then(
              () => subscriber.complete(),
              (err: unknown) =>
                subscriber.error(new Error(`jsonl sink: cannot close ${file}: ${(err as Error).message}`)),
            );
          },
        });
        return () => inner.unsubscribe();
      }).pipe(
        finalize(() => {
          if (!stream.writableEnded) stream.end();
          unregister?.();
          if (stream.closed) markClosed();
          else stream.once('close', markClosed);
        }),
      );
    });
}

/** Ends the stream and waits until its data reached the file (or it failed). */
async function closeStream(stream: WriteStream): Promise<void> {
  if (stream.closed) {
    if (stream.errored) throw stream.errored;
    return;
  }
  if (!stream.writableEnded) stream.end();
  await once(stream, 'close');
  if (stream.errored) throw stream.errored;
}
