import { inspect } from 'node:util';
import type { Writable } from 'node:stream';
import { concatMap, from, type OperatorFunction } from 'rxjs';
import { toJsonLine, writeWithBackpressure } from './text';
import type { SinkAck } from './types';

/** How {@link consoleSink} prints a row: one JSON line, a one-line `util.inspect`, or a custom function. */
export type ConsoleFormat<Row> = 'json' | 'pretty' | ((row: Row) => string);

/** Options of {@link consoleSink}. */
export interface ConsoleSinkOptions<Row> {
  /** Default 'json'. */
  format?: ConsoleFormat<Row>;
  /** Where to print (default stdout: command output; logs go to stderr). */
  stream?: Writable & { isTTY?: boolean };
}

/** Formats one row as {@link consoleSink} prints it (without the newline). */
export function formatRow<Row>(row: Row, format: ConsoleFormat<Row>, colors = false): string {
  if (typeof format === 'function') return format(row);
  if (format === 'pretty') return inspect(row, { colors, depth: 4, breakLength: Infinity, compact: true });
  return toJsonLine(row);
}

/** Prints each row on its own line (waiting for 'drain' when the stream is slow) and acknowledges it. */
export function consoleSink<Row>(options: ConsoleSinkOptions<Row> = {}): OperatorFunction<Row, SinkAck> {
  const format = options.format ?? 'json';
  return (source) => {
    const stream = options.stream ?? process.stdout;
    const colors = stream.isTTY === true;
    return source.pipe(
      concatMap((row) =>
        from(
          writeWithBackpressure(stream, formatRow(row, format, colors) + '\n').then((): SinkAck => ({
            sink: 'console',
            table: 'console',
            rows: 1,
            spooled: false,
            attempt: 1,
          })),
        ),
      ),
    );
  };
}
