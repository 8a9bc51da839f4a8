import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findExactDuplicates, hashFileContent, sameSizeGroups } from '../../src/pipelines/dedup/exact';

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

  test('sameSizeGroups drops singletons', () => {
    expect(sameSizeGroups([{ size: 1 }, { size: 2 }, { size: 1 }])).toEqual([[{ size: 1 }, { size: 1 }]]);
  });
});
