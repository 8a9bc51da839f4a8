import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { scanImages } from '../../src/pipelines/dedup/scan';
import type { ScanRecord } from '../../src/kernels/features/types';

async function collect(gen: AsyncIterable<ScanRecord>): Promise<ScanRecord[]> {
  const out: ScanRecord[] = [];
  for await (const r of gen) out.push(r);
  return out;
}

describe('scanImages', () => {
  let root: string;
  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'dedup-scan-'));
    const files = [
      'a.jpg',
      'b.PNG',
      'notes.txt',
      'sub/c.webp',
      'sub/deeper/d.tiff',
      'skip/e.jpg',
      '.hidden/f.gif',
    ];
    for (const f of files) {
      await fs.mkdir(path.dirname(path.join(root, f)), { recursive: true });
      await fs.writeFile(path.join(root, f), 'x'.repeat(f.length));
    }
    await fs.symlink(root, path.join(root, 'sub', 'loop')); // a cycle back to the root
    await fs.symlink(path.join(root, 'nowhere.jpg'), path.join(root, 'dangling.jpg'));
    await fs.symlink(path.join(root, 'a.jpg'), path.join(root, 'link-to-a.jpg'));
  });

  test('yields image files with relative paths, sizes and mtimes; reports a loop and a dangling link', async () => {
    const records = await collect(scanImages(root, { followSymlinks: true }));
    const files = records.filter((r) => r.kind === 'file');
    expect(files.map((f) => f.relPath).sort()).toEqual(
      [
        '.hidden/f.gif',
        'a.jpg',
        'b.PNG',
        'link-to-a.jpg',
        'skip/e.jpg',
        'sub/c.webp',
        'sub/deeper/d.tiff',
      ].sort(),
    );
    const a = files.find((f) => f.relPath === 'a.jpg')!;
    expect(a.kind === 'file' && a.size).toBe(5);
    expect(a.path).toBe(path.join(root, 'a.jpg'));
    expect(a.kind === 'file' && a.mtimeMs).toBeGreaterThan(0);
    const errors = records.filter((r) => r.kind === 'error');
    expect(errors.map((e) => [e.relPath, e.kind === 'error' && e.code]).sort()).toEqual([
      ['dangling.jpg', 'ENOENT'],
      ['sub/loop', 'ELOOP'],
    ]);
  });

  test('include/exclude globs; excluded directories are not entered', async () => {
    const records = await collect(
      scanImages(root, {
        include: ['**/*.{jpg,webp,tiff}'],
        exclude: ['skip', 'sub/deeper/**'],
        followSymlinks: true,
      }),
    );
    expect(
      records
        .filter((r) => r.kind === 'file')
        .map((r) => r.relPath)
        .sort(),
    ).toEqual(['a.jpg', 'link-to-a.jpg', 'sub/c.webp']);
  });

  test('links are skipped by default; extensions narrow the set', async () => {
    const records = await collect(scanImages(root, { extensions: ['jpg'] }));
    expect(records.map((r) => r.relPath).sort()).toEqual(['a.jpg', 'skip/e.jpg']);
    expect(records.every((r) => r.kind === 'file' && !r.isSymlink && r.ino > 0)).toBe(true);
  });

  test('followed links are marked isSymlink; a link resolving outside the root is EOUTSIDE, not entered', async () => {
    const outside = mkdtempSync(path.join(os.tmpdir(), 'dedup-scan-outside-'));
    await fs.writeFile(path.join(outside, 'victim.jpg'), 'outside');
    const linked = mkdtempSync(path.join(os.tmpdir(), 'dedup-scan-linked-'));
    await fs.mkdir(path.join(linked, 'real'));
    await fs.writeFile(path.join(linked, 'real', 'x.jpg'), 'inside');
    await fs.symlink(outside, path.join(linked, 'out'));
    await fs.symlink(path.join(linked, 'real'), path.join(linked, 'alias'));
    const records = await collect(scanImages(linked, { followSymlinks: true }));
    const byRel = Object.fromEntries(records.map((r) => [r.relPath, r]));
    expect(byRel['out']).toMatchObject({ kind: 'error', code: 'EOUTSIDE' });
    expect(byRel['out/victim.jpg']).toBeUndefined();
    expect(byRel['real/x.jpg']).toMatchObject({ kind: 'file', isSymlink: false });
    // The folder is found under its own path although its link sorts first, and not walked twice.
    expect(byRel['alias/x.jpg']).toBeUndefined();
    expect(byRel['alias']).toMatchObject({ kind: 'error', code: 'ELOOP' });
  });

  test('a missing root is one error record, not an exception', async () => {
    const records = await collect(scanImages(path.join(root, 'does-not-exist')));
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ kind: 'error', code: 'ENOENT' });
  });
});
