import { mkdir, open, readFile, stat, truncate } from 'node:fs/promises';
import path from 'node:path';

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

/** Spool files held by a running sink in this process: two writers on one spool would replay it twice. */
const spoolsInUse = new Set<string>();

/**
 * An append-only JSON Lines file of rows that could not be written yet. Appends are fsync'd before they
 * are acknowledged; the file is truncated only after its rows were committed elsewhere.
 */
export class Spool<Row extends object> {
  private count = 0;
  private released = false;

  private constructor(readonly file: string) {}

  /** The spool file of `table` in `dir`. */
  static fileFor(dir: string, table: string): string {
    return path.join(path.resolve(dir), `${table.replace(/[^A-Za-z0-9_.-]/g, '_')}.jsonl`);
  }

  /**
   * Opens (creating `dir`) and claims the spool of `table`. A line cut short by a crash mid-append (never
   * acknowledged) is dropped so the next append starts on a fresh line.
   */
  static async open<Row extends object>(dir: string, table: string): Promise<Spool<Row>> {
    const file = Spool.fileFor(dir, table);
    if (spoolsInUse.has(file))
      throw new Error(`spool ${file} is already used by another sink in this process`);
    spoolsInUse.add(file);
    const spool = new Spool<Row>(file);
    try {
      await mkdir(path.dirname(file), { recursive: true });
      await spool.repairTail();
      spool.count = (await spool.readLines()).length;
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

  /** Appends rows (one JSON line each) and fsyncs before returning. */
  async append(rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    const text = rows.map((r) => encodeSpoolLine(r) + '\n').join('');
    const handle = await open(this.file, 'a');
    try {
      await handle.write(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    this.count += rows.length;
  }

  /** All spooled rows, oldest first. */
  async read(): Promise<Row[]> {
    const lines = await this.readLines();
    return lines.map((line, i) => {
      try {
        return decodeSpoolLine<Row>(line);
      } catch (err) {
        throw new Error(`spool ${this.file} line ${i + 1} is not valid JSON: ${(err as Error).message}`);
      }
    });
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
  }

  /** Lets another sink claim this spool file. */
  release(): void {
    if (this.released) return;
    this.released = true;
    spoolsInUse.delete(this.file);
  }

  private async readLines(): Promise<string[]> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return text.split('\n').filter((line) => line.length > 0);
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
    const text = await readFile(this.file);
    if (text[text.length - 1] === 0x0a) return;
    await truncate(this.file, text.lastIndexOf(0x0a) + 1);
  }
}
