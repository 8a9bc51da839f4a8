import { chunk, columnsOf, dedupeByKey, rowsPerStatement, PG_MAX_PARAMS } from '../../src/db/rows';
import { isTransientDbError } from '../../src/sinks/errors';
import { backoffMs } from '../../src/util/backoff';
import { decodeSpoolLine, encodeSpoolLine } from '../../src/sinks/spool';

describe('row helpers', () => {
  it('keeps rows x columns within the bind-parameter limit', () => {
    expect(rowsPerStatement(3)).toBe(21845);
    expect(rowsPerStatement(3) * 3).toBeLessThanOrEqual(PG_MAX_PARAMS);
    expect((rowsPerStatement(3) + 1) * 3).toBeGreaterThan(PG_MAX_PARAMS);
    expect(rowsPerStatement(70_000)).toBe(1);
    expect(rowsPerStatement(10, 100)).toBe(10);
  });

  it('chunks in order without losing items', () => {
    const items = Array.from({ length: 10 }, (_, i) => i);
    expect(chunk(items, 4)).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(chunk([], 4)).toEqual([]);
  });

  it('collects the union of columns', () => {
    expect(columnsOf([{ a: 1 }, { b: 2, a: 3 }, {}])).toEqual(['a', 'b']);
  });

  it('de-duplicates by a composite key, keeping the first or the last occurrence', () => {
    const rows = [
      { cam: 'a', t: 1, v: 'x' },
      { cam: 'a', t: 2, v: 'y' },
      { cam: 'a', t: 1, v: 'z' },
    ];
    expect(dedupeByKey(rows, ['cam', 't'], 'first').map((r) => r.v)).toEqual(['x', 'y']);
    expect(dedupeByKey(rows, ['cam', 't'], 'last').map((r) => r.v)).toEqual(['y', 'z']);
  });

  it('treats equal Dates and Buffers as the same key', () => {
    const rows = [
      { at: new Date(5), h: Buffer.from([1, 2]) },
      { at: new Date(5), h: Buffer.from([1, 2]) },
    ];
    expect(dedupeByKey(rows, ['at', 'h'], 'first')).toHaveLength(1);
  });
});

describe('isTransientDbError', () => {
  it.each([
    [{ code: 'ECONNREFUSED' }],
    [{ code: 'ECONNRESET' }],
    [{ code: '57P01' }],
    [{ code: '08006' }],
    [{ code: '53300' }],
    [{ code: '40001' }],
    [{ code: '40P01' }],
    [new Error('Connection terminated unexpectedly')],
    [Object.assign(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), {})],
  ])('retries %p', (err) => {
    expect(isTransientDbError(err)).toBe(true);
  });

  it.each([
    [{ code: '42601' }], // syntax error
    [{ code: '23505' }], // unique violation
    [{ code: '23514' }], // check violation
    [new Error('relation "x" does not exist')],
    ['a string'],
    [null],
  ])('does not retry %p', (err) => {
    expect(isTransientDbError(err)).toBe(false);
  });
});

describe('backoffMs', () => {
  it('grows exponentially and is capped', () => {
    const retry = { attempts: 10, baseMs: 100, maxMs: 1000 };
    const noJitter = () => 1;
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, retry, noJitter))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffMs(3, retry, () => 0)).toBe(300);
  });
});

describe('spool line encoding', () => {
  it('round-trips Dates, binary data and bigints', () => {
    const row = {
      at: new Date('2024-01-02T03:04:05.678Z'),
      hash: Buffer.from([0, 255, 7]),
      big: 2n ** 70n,
      n: 1,
      s: 'x',
    };
    const back = decodeSpoolLine<typeof row>(encodeSpoolLine(row));
    expect(back).toEqual(row);
    expect(back.at).toBeInstanceOf(Date);
    expect(Buffer.isBuffer(back.hash)).toBe(true);
    expect(encodeSpoolLine(row)).not.toContain('\n');
  });
});
