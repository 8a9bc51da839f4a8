import { createReadStream } from 'node:fs';
import { appendFile, mkdir, open, rename, stat, truncate, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DEFAULT_SPOOL_MAX_BYTES } from '../config/schema/root';
import { acquireProcessLock, type ProcessLock } from '../db/process-lock';

/**
 * JSON encoding that survives the round trip for the values rows usually carry: Dates, binary data
 * (Buffer/Uint8Array, e.g. bytea hashes) and bigints become tagged objects instead of lossy strings.
 */
export function encodeSpoolLine(row: object): string {
  return JSON.stringify(row, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    if (raw instanceof Date) return { $date: raw.toISOString() };
    if (raw instanceof Uint8Array) return { $bytes: Buffer.from(raw).toString('base64') };
    if (typeof raw === 'bigint') return { $bigint: raw.toString() };
    return value;
  });
}

/** Inverse of {@link encodeSpoolLine}. */
export function decodeSpoolLine<Row>(line: string): Row {
  return JSON.parse(line, (_key, value: unknown) => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const tagged = value as Record<string, unknown>;
      const keys = Object.keys(tagged);
      if (keys.length === 1) {
        if (typeof tagged.$date === 'string') return new Date(tagged.$date);
        if (typeof tagged.$bytes === 'string') return Buffer.from(tagged.$bytes, 'base64');
        if (typeof tagged.$bigint === 'string') return BigInt(tagged.$bigint);
      }
    }
    return value;
  }) as Row;
}

/** The first line of a spool file: which database its rows belong to. */
interface SpoolHeader {
  $spool: 1;
  database: string;
}

function parseHeader(line: string): SpoolHeader | undefined {
  if (!line.startsWith('{"$spool"')) return undefined;
  try {
    const header = JSON.parse(line) as SpoolHeader;
    return header.$spool === 1 && typeof header.database === 'string' ? header : undefined;
  } catch {
    return undefined;
  }
}

/** Options of {@link Spool.open}. */
export interface SpoolOptions {
  /**
   * The id of the database the rows are for (see `Database.id()`). A spool holding another database's rows
   * is parked as `<table>.<its id>.jsonl` (and taken back when that database is used again), never replayed
   * here. Without it the spool takes rows for any database (and keeps the header it has).
   */
  databaseId?: string;
  /** Largest spool file size; an append past it fails with {@link SpoolFullError} (default 1 GiB). */
  maxBytes?: number;
  /** Told about a line that cannot be decoded (it was moved to `<file>.rejected`). */
  onRejected?: (line: number, reason: string) => void;
}

/** An append would make the spool larger than its cap: the rows were not taken. */
export class SpoolFullError extends Error {
  constructor(file: string, maxBytes: number) {
    super(
      `spool ${file} would exceed its cap of ${maxBytes} bytes (database.spoolMaxBytes): the database has been ` +
        'unreachable for too long; rows of this batch were not stored',
    );
    this.name = 'SpoolFullError';
  }
}

/** Spool files held by a running sink in this process: two writers on one spool would replay it twice. */
const spoolsInUse = new Set<string>();

/**
 * An append-only JSON Lines file of rows that could not be written yet, for one table of one database: a
 * header line naming the database, then one row per line. Appends are fsync'd before they are acknowledged
 * (a failed or short write is cut back off and reported); the file is emptied only after its rows were
 * committed elsewhere. One process holds it at a time (`<file>.lock`). Replay reads it as a stream, in
 * chunks; a line that cannot be decoded goes to `<file>.rejected`.
 */
export class Spool<Row extends object> {
  private count = 0;
  private size = 0;
  private header: SpoolHeader | undefined;
  private released = false;
  private lock: ProcessLock | undefined;

  private constructor(
    readonly file: string,
    private readonly options: SpoolOptions,
  ) {}

  /** The spool file of `table` in `dir`. */
  static fileFor(dir: string, table: string): string {
    return path.join(path.resolve(dir), `${table.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl`);
  }

  /** Where rows that cannot be decoded are moved to. */
  get rejectedFile(): string {
    return `${this.file}.rejected`;
  }

  /**
   * Opens (creating `dir`) and claims the spool of `table`. A line cut short by a crash mid-append (never
   * acknowledged) is dropped so the next append starts on a fresh line.
   */
  static async open<Row extends object>(
    dir: string,
    table: string,
    options: SpoolOptions = {},
  ): Promise<Spool<Row>> {
    const file = Spool.fileFor(dir, table);
    if (spoolsInUse.has(file))
      throw new Error(`spool ${file} is already used by another sink in this process`);
    spoolsInUse.add(file);
    const spool = new Spool<Row>(file, options);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      spool.lock = acquireProcessLock(`${file}.lock`, `spool ${file}`);
      await spool.repairTail();
      await spool.scan();
      await spool.claimForDatabase();
    } catch (err) {
      spool.release();
      throw new Error(`cannot open spool ${file}: ${(err as Error).message}`, { cause: err });
    }
    return spool;
  }

  /** Rows currently in the spool. */
  get rows(): number {
    return this.count;
  }

  /** Size of the spool file in bytes. */
  get bytes(): number {
    return this.size;
  }

  /**
   * Appends rows (one JSON line each) and fsyncs before returning. On any failure (ENOSPC, a short write,
   * the size cap) nothing of the batch stays in the file and the error is thrown.
   */
  async append(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const head =
      this.size === 0 && this.options.databaseId !== undefined
        ? JSON.stringify({ $spool: 1, database: this.options.databaseId } satisfies SpoolHeader) + '\n'
        : '';
    const data = Buffer.from(head + rows.map((r) => encodeSpoolLine(r) + '\n').join(''));
    const maxBytes = this.options.maxBytes ?? DEFAULT_SPOOL_MAX_BYTES;
    if (this.size + data.length > maxBytes) throw new SpoolFullError(this.file, maxBytes);
    const handle = await open(this.file, 'a');
    try {
      await writeFully(handle, data);
      await handle.sync();
    } catch (err) {
      // Cut the partial batch off: a torn row must not be replayed, and the caller keeps the rows.
      await handle.truncate(this.size).catch(() => undefined);
      throw new Error(`cannot append to spool ${this.file}: ${(err as Error).message}`, { cause: err });
    } finally {
      await handle.close();
    }
    if (head) this.header = { $spool: 1, database: this.options.databaseId! };
    this.size += data.length;
    this.count += rows.length;
  }

  /**
   * The spooled rows, oldest first, in chunks of at most `size` rows (with the number of lines each
   * consumed, rejected ones included, for {@link dropFirst}), read as a stream (the file is never
   * held in memory whole). Lines that cannot be decoded are moved to {@link rejectedFile}.
   */
  async *chunks(size: number): AsyncGenerator<{ rows: Row[]; lines: number }> {
    let rows: Row[] = [];
    let lines = 0;
    for await (const { line, number } of this.lines()) {
      lines++;
      let row: Row;
      try {
        row = decodeSpoolLine<Row>(line);
      } catch (err) {
        await this.reject(line, number, (err as Error).message);
        continue;
      }
      rows.push(row);
      if (rows.length >= size) {
        yield { rows, lines };
        rows = [];
        lines = 0;
      }
    }
    if (lines > 0) yield { rows, lines };
  }

  /** All spooled rows, oldest first (see {@link chunks}). */
  async read(): Promise<Row[]> {
    const all: Row[] = [];
    for await (const { rows } of this.chunks(10_000)) all.push(...rows);
    return all;
  }

  /**
   * Drops the first `rows` row lines (already committed by a replay that stopped part way), keeping the header
   * and the rest: written to a new file, fsync'd, then renamed over the spool.
   */
  async dropFirst(rows: number): Promise<void> {
    if (rows <= 0) return;
    if (rows >= this.count) return this.clear();
    const tmp = `${this.file}.tmp`;
    const out = await open(tmp, 'w');
    let size = 0;
    try {
      if (this.header) size += await writeFully(out, Buffer.from(JSON.stringify(this.header) + '\n'));
      let seen = 0;
      for await (const { line } of this.lines()) {
        if (seen++ < rows) continue;
        size += await writeFully(out, Buffer.from(line + '\n'));
      }
      await out.sync();
    } finally {
      await out.close();
    }
    await rename(tmp, this.file);
    this.size = size;
    this.count -= rows;
  }

  /** Empties the spool (call only after its rows were committed). */
  async clear(): Promise<void> {
    const handle = await open(this.file, 'r+');
    try {
      await handle.truncate(0);
      await handle.sync();
    } finally {
      await handle.close();
    }
    this.count = 0;
    this.size = 0;
    this.header = undefined;
  }

  /** Lets another sink (or process) claim this spool file. */
  release(): void {
    if (this.released) return;
    this.released = true;
    spoolsInUse.delete(this.file);
    this.lock?.release();
  }

  /** The row lines (header skipped) with their line numbers in the file. */
  private async *lines(): AsyncGenerator<{ line: string; number: number }> {
    if (this.size === 0) return;
    const input = createInterface({ input: createReadStream(this.file, 'utf8'), crlfDelay: Infinity });
    let number = 0;
    for await (const line of input) {
      number++;
      if (line.length === 0 || (number === 1 && parseHeader(line))) continue;
      yield { line, number };
    }
  }

  /** Moves a decoded row the database refused to {@link rejectedFile}. */
  async rejectRow(row: Row, reason: string): Promise<void> {
    await appendFile(
      this.rejectedFile,
      JSON.stringify({ reason, row: JSON.parse(encodeSpoolLine(row)) }) + '\n',
    );
  }

  private async reject(line: string, number: number, reason: string): Promise<void> {
    await appendFile(this.rejectedFile, line + '\n');
    this.options.onRejected?.(number, reason);
  }

  /** Reads the header, the row count and the size (streamed). */
  private async scan(): Promise<void> {
    try {
      this.size = (await stat(this.file)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    if (this.size === 0) return;
    const input = createInterface({ input: createReadStream(this.file, 'utf8'), crlfDelay: Infinity });
    let first = true;
    for await (const line of input) {
      if (first) {
        first = false;
        this.header = parseHeader(line);
        if (this.header) continue;
      }
      if (line.length > 0) this.count++;
    }
  }

  /**
   * A spool of another database is parked under its id; a parked spool of ours comes back when the main
   * file is empty.
   */
  private async claimForDatabase(): Promise<void> {
    const ours = this.options.databaseId;
    if (ours === undefined) return;
    const theirs = this.header?.database;
    if (theirs !== undefined && theirs !== ours) {
      await rename(this.file, this.parkedFile(theirs));
      this.count = 0;
      this.size = 0;
      this.header = undefined;
    }
    if (this.size > 0) return;
    try {
      await rename(this.parkedFile(ours), this.file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    this.count = 0;
    await this.scan();
  }

  private parkedFile(databaseId: string): string {
    return this.file.replace(/\.jsonl$/, '') + `.${databaseId.replace(/[^A-Za-z0-9-]/g, '_')}.jsonl`;
  }

  private async repairTail(): Promise<void> {
    let size: number;
    try {
      size = (await stat(this.file)).size;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    if (size === 0) return;
    // Only the tail is read: find the last newline from the end, in blocks.
    const handle = await open(this.file, 'r');
    let keep = 0;
    try {
      const block = Buffer.alloc(64 * 1024);
      for (let end = size; end > 0;) {
        const start = Math.max(0, end - block.length);
        const { bytesRead } = await handle.read(block, 0, end - start, start);
        const at = block.subarray(0, bytesRead).lastIndexOf(0x0a);
        if (at >= 0) {
          keep = start + at + 1;
          break;
        }
        end = start;
      }
    } finally {
      await handle.close();
    }
    if (keep !== size) await truncate(this.file, keep);
  }
}

/** Writes all of `data`, looping over short writes; returns the bytes written. */
async function writeFully(handle: FileHandle, data: Buffer): Promise<number> {
  let offset = 0;
  while (offset < data.length) {
    const { bytesWritten } = await handle.write(data, offset, data.length - offset);
    if (bytesWritten <= 0) throw new Error(`short write: ${offset} of ${data.length} bytes written`);
    offset += bytesWritten;
  }
  return data.length;
}
