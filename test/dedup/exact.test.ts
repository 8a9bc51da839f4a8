import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { hashFileContent, hashFiles } from '../../src/kernels/features/file-hash';
import { findExactDuplicates, hashBatches, sameSizeGroups } from '../../src/pipelines/dedup/exact';

describe('stage 0: exact duplicates', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'dedup-exact-'));
    await fs.writeFile(path.join(dir, 'a'), 'hello world');
    await fs.writeFile(path.join(dir, 'b'), 'hello world');
    await fs.writeFile(path.join(dir, 'c'), 'hello there'); // same size, other content
    await fs.writeFile(path.join(dir, 'd'), 'unique size!');
    await fs.writeFile(path.join(dir, 'e'), '');
    await fs.writeFile(path.join(dir, 'f'), '');
  });

  const entry = async (name: string) => ({
    path: path.join(dir, name),
    size: (await fs.stat(path.join(dir, name))).size,
  });

  test('hashes only files that share a size, groups identical content', async () => {
    const entries = await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map(entry));
    const hashed: string[] = [];
    const result = await findExactDuplicates(entries, (f) => {
      hashed.push(path.basename(f));
      return hashFileContent(f);
    });
    expect(hashed.sort()).toEqual(['a', 'b', 'c']); // d has a unique size, empty files are not duplicates
    expect(result.groups).toHaveLength(1);
    expect(result.groups[0].members.map((m) => path.basename(m.path))).toEqual(['a', 'b']);
    expect(result.groups[0].contentHash).toBe('2aae6c35c94fcfb415dbe95f408b9ce91ee846ed'); // sha1("hello world")
  });

  test('unreadable files are reported, not thrown', async () => {
    const entries = [
      { path: path.join(dir, 'a'), size: 11 },
      { path: path.join(dir, 'missing'), size: 11 },
    ];
    const result = await findExactDuplicates(entries);
    expect(result.groups).toEqual([]);
    expect(result.errors).toHaveLength(1);
    expect(result.errors[0].message).toContain('missing');
  });

  test('a read buffer smaller than the file gives the same digest (the file is read in steps)', async () => {
    const file = path.join(dir, 'a');
    expect(await hashFileContent(file, 'sha1', Buffer.alloc(4))).toBe(
      '2aae6c35c94fcfb415dbe95f408b9ce91ee846ed',
    );
    expect(await hashFileContent(file, 'md5', Buffer.alloc(3))).toBe('5eb63bbbe01eeed093cb22bb8f5acdc3');
  });

  test('hashFiles answers for every file in order: hashes, and the error of the file it cannot read', async () => {
    const paths = ['a', 'missing', 'c', 'b'].map((n) => path.join(dir, n));
    const results = await hashFiles(paths, 2);
    expect(results.map((r) => r.path)).toEqual(paths);
    expect(results[0]).toEqual({
      path: paths[0],
      ok: true,
      hash: '2aae6c35c94fcfb415dbe95f408b9ce91ee846ed',
    });
    expect(results[1]).toEqual({
      path: paths[1],
      ok: false,
      error: expect.stringMatching(/^cannot read .*missing: ENOENT/),
    });
    expect(results[2]).toEqual({ path: paths[2], ok: true, hash: await hashFileContent(paths[2]) });
    expect(results[3]).toEqual({ ...results[0], path: paths[3] });
    expect(await hashFiles([])).toEqual([]);
  });

  test('hashBatches keeps order and both bounds; a file over the byte bound goes alone', () => {
    const sizes = (batches: Iterable<{ size: number }[]>) => [...batches].map((b) => b.map((e) => e.size));
    const entries = [5, 5, 5, 5, 5].map((size) => ({ size }));
    expect(sizes(hashBatches(entries, { maxFiles: 2, maxBytes: 100 }))).toEqual([[5, 5], [5, 5], [5]]);
    const mixed = [4, 4, 4, 20, 1, 9, 2].map((size) => ({ size }));
    expect(sizes(hashBatches(mixed, { maxFiles: 10, maxBytes: 10 }))).toEqual([
      [4, 4],
      [4],
      [20],
      [1, 9],
      [2],
    ]);
    expect(sizes(hashBatches([], { maxFiles: 2, maxBytes: 10 }))).toEqual([]);
  });

  test('hashBatches cuts a batch only when it is asked for the next one', () => {
    const read: number[] = [];
    function* entries() {
      for (let i = 0; i < 6; i++) {
        read.push(i);
        yield { size: 1 };
      }
    }
    const batches = hashBatches(entries(), { maxFiles: 2, maxBytes: 100 });
    expect(batches.next().value).toHaveLength(2);
    expect(read).toEqual([0, 1, 2]); // the third entry told it the first batch was full
  });

  test('sameSizeGroups drops singletons', () => {
    expect(sameSizeGroups([{ size: 1 }, { size: 2 }, { size: 1 }])).toEqual([[{ size: 1 }, { size: 1 }]]);
  });
});
