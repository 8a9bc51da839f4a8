import { promises as fs } from 'node:fs';
import path from 'node:path';
import { runDedupJob, type DedupJobResult } from '../../src/pipelines/dedup/job';
import { makeBadFiles, samplesDir } from './corpus';
import { useDedupJobFixture } from './job-fixture';

describe('runDedupJob (hash worker pool, PGlite feature cache)', () => {
  const fx = useDedupJobFixture('dedup-job', ['fruits.jpg', 'home.jpg', 'squirrel_cls.jpg'], async (root) => {
    await makeBadFiles(path.join(root, 'bad'));
    // A byte-identical copy (stage 0) of an original and of a file nothing else resembles.
    await fs.copyFile(path.join(root, 'originals/home.jpg'), path.join(root, 'home-copy.jpg'));
  });

  test('groups, reports and a confirmed move with undo log; second run reuses the cache', async () => {
    const { pool, database, base, root } = fx;
    const out = path.join(base, 'report');
    const first = await runDedupJob({
      root,
      out,
      pool,
      db: database.db,
      settings: {
        actions: {
          action: 'move',
          targetDir: path.join(base, 'dups'),
          confirm: false,
          keeperOrder: ['resolution', 'size', 'oldest'],
        },
      },
    });
    expect(first.stats.exactGroups).toBe(1);
    expect(first.stats.featuresComputed).toBe(3 * 8 + 4); // the exact copy is not decoded
    const groups = first.report.groups.map((g) => g.members.map((m) => m.path).sort());
    expect(groups).toHaveLength(3);
    const home = groups.find((g) => g.includes('originals/home.jpg'))!;
    expect(home).toContain('home-copy.jpg');
    expect(home).toHaveLength(9);
    expect(first.report.skipped.map((s) => s.reason).sort()).toEqual([
      'corrupt',
      'empty-file',
      'not-an-image',
      'too-many-pixels',
    ]);
    expect(first.outcomes.every((o) => o.status === 'dry-run')).toBe(true);
    const json = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8'));
    expect(json.groups[0].members[0].path.startsWith('/')).toBe(false);
    await expect(fs.access(path.join(out, 'report.html'))).resolves.toBeUndefined();
    await expect(fs.access(path.join(out, 'report.csv'))).resolves.toBeUndefined();

    const second = await runDedupJob({
      root,
      out,
      pool,
      db: database.db,
      settings: {
        actions: {
          action: 'move',
          targetDir: path.join(base, 'dups'),
          confirm: true,
          keeperOrder: ['resolution', 'size', 'oldest'],
        },
      },
    });
    expect(second.stats.featuresCached).toBe(3 * 8);
    expect(second.stats.featuresComputed).toBe(4); // only the bad files are retried
    expect(second.outcomes.filter((o) => o.status === 'done')).toHaveLength(3 * 8 + 1 - 3);
    expect(second.undoLog).toBe(path.join(out, 'undo.jsonl'));
    const undo = (await fs.readFile(second.undoLog!, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { op: string }).op);
    // One plan record, then an intent and a done record per step.
    expect(undo.filter((op) => op === 'intent')).toHaveLength(3 * 8 + 1 - 3);
    expect(undo.filter((op) => op === 'done')).toHaveLength(3 * 8 + 1 - 3);
    for (const g of second.report.groups) {
      await expect(fs.access(path.join(root, g.keeper))).resolves.toBeUndefined();
    }
  }, 180_000);

  test('stage 0 hashes same-size files a batch per pool call; a failed batch is retried file by file', async () => {
    const { pool, base } = fx;
    const dir = path.join(base, 'exact');
    await fs.mkdir(dir);
    const bytes = await fs.readFile(path.join(samplesDir(), 'fruits.jpg'));
    for (const name of ['a', 'b', 'c']) await fs.writeFile(path.join(dir, `${name}.jpg`), bytes);
    const d = path.join(dir, 'd.jpg');
    await fs.writeFile(d, Buffer.alloc(bytes.length, 7)); // same size, other content (and no image)
    const run = pool.run.bind(pool);
    const calls = jest.spyOn(pool, 'run');
    const methods = () => calls.mock.calls.map(([method, args]) => `${method} ${JSON.stringify(args)}`);
    const groupPaths = (r: DedupJobResult) => r.report.groups.map((g) => g.members.map((m) => m.path).sort());
    try {
      const batched = await runDedupJob({ root: dir, pool, hashBatch: { maxFiles: 3, maxBytes: 1 << 30 } });
      const hashCalls = methods().filter((m) => m.startsWith('content'));
      expect(hashCalls).toEqual([
        `contentHashes ${JSON.stringify([['a', 'b', 'c'].map((n) => path.join(dir, `${n}.jpg`))])}`,
        `contentHashes ${JSON.stringify([[d]])}`,
      ]);
      expect(batched.stats.exactGroups).toBe(1);
      expect(groupPaths(batched)).toEqual([['a.jpg', 'b.jpg', 'c.jpg']]);

      // The batch call fails as a whole; file by file, only d.jpg fails, and is skipped with its own reason.
      calls.mockClear();
      calls.mockImplementation(((method, args, options) => {
        if (method === 'contentHashes') return Promise.reject(new Error('worker lost'));
        if (method === 'contentHash' && args[0] === d)
          return Promise.reject(new Error(`cannot read ${d}: EIO`));
        return run(method, args, options);
      }) as typeof pool.run);
      const retried = await runDedupJob({ root: dir, pool, hashBatch: { maxFiles: 4, maxBytes: 1 << 30 } });
      expect(
        methods()
          .filter((m) => m.startsWith('content'))
          .sort(),
      ).toEqual([
        `contentHash ${JSON.stringify([path.join(dir, 'a.jpg')])}`,
        `contentHash ${JSON.stringify([path.join(dir, 'b.jpg')])}`,
        `contentHash ${JSON.stringify([path.join(dir, 'c.jpg')])}`,
        `contentHash ${JSON.stringify([d])}`,
        `contentHashes ${JSON.stringify([[...['a', 'b', 'c'].map((n) => path.join(dir, `${n}.jpg`)), d]])}`,
      ]);
      expect(groupPaths(retried)).toEqual([['a.jpg', 'b.jpg', 'c.jpg']]);
      expect(retried.report.skipped).toEqual([
        { path: 'd.jpg', reason: 'unreadable', detail: 'cannot read d.jpg: EIO' },
      ]);
    } finally {
      calls.mockRestore();
    }
  }, 120_000);
});
