import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Spool, SpoolFullError } from '../../src/sinks/spool';

type Row = { id: number };
const dir = () => mkdtempSync(path.join(os.tmpdir(), 'rxv-spool-'));
const rows = (from: number, to: number): Row[] =>
  Array.from({ length: to - from }, (_, i) => ({ id: from + i }));

describe('Spool safety', () => {
  it("writes a header naming the database and parks another database's spool instead of replaying it", async () => {
    const d = dir();
    const a = await Spool.open<Row>(d, 't', { databaseId: 'db-a' });
    await a.append(rows(0, 3));
    a.release();
    expect(readFileSync(Spool.fileFor(d, 't'), 'utf8').split('\n')[0]).toBe('{"$spool":1,"database":"db-a"}');

    const b = await Spool.open<Row>(d, 't', { databaseId: 'db-b' });
    expect(b.rows).toBe(0);
    expect(await b.read()).toEqual([]);
    b.release();
    // Back on database a, its rows return.
    const again = await Spool.open<Row>(d, 't', { databaseId: 'db-a' });
    expect(await again.read()).toEqual(rows(0, 3));
    again.release();
  });

  it('moves undecodable lines to <spool>.rejected and reads the rest, in chunks', async () => {
    const d = dir();
    const spool = await Spool.open<Row>(d, 't');
    await spool.append(rows(0, 5));
    spool.release();
    const file = Spool.fileFor(d, 't');
    writeFileSync(file, readFileSync(file, 'utf8') + 'not json\n' + '{"id":5}\n');
    const rejected: number[] = [];
    const reopened = await Spool.open<Row>(d, 't', { onRejected: (line) => rejected.push(line) });
    const chunks = [];
    for await (const c of reopened.chunks(2)) chunks.push(c.rows.map((r) => r.id));
    expect(chunks).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    expect(rejected).toEqual([6]);
    expect(readFileSync(reopened.rejectedFile, 'utf8')).toBe('not json\n');
    await reopened.dropFirst(3);
    expect((await reopened.read()).map((r) => r.id)).toEqual([3, 4, 5]);
    reopened.release();
  });

  it('refuses an append past the size cap and keeps the file as it was', async () => {
    const d = dir();
    const spool = await Spool.open<Row>(d, 't', { maxBytes: 1024 });
    await spool.append(rows(0, 10));
    const before = readFileSync(spool.file, 'utf8');
    await expect(spool.append(rows(10, 200))).rejects.toThrow(SpoolFullError);
    expect(readFileSync(spool.file, 'utf8')).toBe(before);
    expect(spool.rows).toBe(10);
    spool.release();
  });

  it('a second claim of one spool (another process) is refused while it is held', async () => {
    const d = dir();
    const spool = await Spool.open<Row>(d, 't');
    await expect(Spool.open<Row>(d, 't')).rejects.toThrow('already used');
    spool.release();
    (await Spool.open<Row>(d, 't')).release();
  });

  it('reports a full disk (ENOSPC) instead of acknowledging the rows', async () => {
    const d = dir();
    // /dev/full fails every write with ENOSPC.
    symlinkSync('/dev/full', Spool.fileFor(d, 't'));
    const spool = await Spool.open<Row>(d, 't');
    await expect(spool.append(rows(0, 3))).rejects.toThrow(/cannot append to spool .*ENOSPC/);
    expect(spool.rows).toBe(0);
    spool.release();
  });
});
