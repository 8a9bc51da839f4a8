/**
 * Fault: symbolic links in a dedup collection. A link sorting before the real file must never become the
 * keeper while the real file is trashed, a hardlink must never link the link itself, and a directory
 * link pointing out of the root must never expose files outside it to an action.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { dedupArgs, listFiles, runCli, tempDir, writePicture } from './dedup-cli';

interface Outcome {
  action: string;
  from: string;
  status: string;
  code?: string;
}

describe('dedup fault: symlinks', () => {
  test.each(['move', 'hardlink'])(
    'a link sorting before its file (--follow-symlinks, %s): the real file is the keeper, the link is never acted on',
    async (action) => {
      const base = tempDir(`symlink-keeper-${action}`);
      const root = path.join(base, 'photos');
      await writePicture(path.join(root, 'photo.jpg'));
      const before = await fs.readFile(path.join(root, 'photo.jpg'));
      await fs.symlink(path.join(root, 'photo.jpg'), path.join(root, 'a-link.jpg'));
      const target = path.join(base, 'target');
      const out = path.join(base, 'report');
      const run = await runCli(
        dedupArgs(root, out, '--follow-symlinks', '--action', action, '--target', target, '--confirm'),
      );
      expect(run.code).toBe(0);
      const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8')) as {
        groups: { keeper: string; members: { path: string }[] }[];
      };
      expect(report.groups.map((g) => g.keeper)).toEqual(['photo.jpg']);
      const outcomes = run.json!.outcomes as Outcome[];
      expect(outcomes.map((o) => [path.basename(o.from), o.status, o.code])).toEqual([
        ['a-link.jpg', 'skipped', 'ESYMLINK'],
      ]);
      expect(run.json!.skippedCopies).toBe(1);
      // Nothing moved, the link still a link to the untouched real file.
      expect(await listFiles(root)).toEqual(['a-link.jpg -> link', 'photo.jpg']);
      expect(await fs.readlink(path.join(root, 'a-link.jpg'))).toBe(path.join(root, 'photo.jpg'));
      expect((await fs.readFile(path.join(root, 'photo.jpg'))).equals(before)).toBe(true);
      expect((await fs.stat(path.join(root, 'photo.jpg'))).nlink).toBe(1);
      expect(await listFiles(target)).toEqual([]);
    },
    180_000,
  );

  test('a directory link out of the root: the outside copy is reported EOUTSIDE and never touched', async () => {
    const base = tempDir('symlink-outside');
    const root = path.join(base, 'photos');
    const outside = path.join(base, 'elsewhere');
    await writePicture(path.join(root, 'keep.jpg'));
    await writePicture(path.join(outside, 'copy.jpg')); // byte-identical to keep.jpg
    await fs.symlink(outside, path.join(root, 'linked'));
    const seen = await fs.stat(path.join(outside, 'copy.jpg'));
    const trash = path.join(base, 'trash');
    for (const follow of [[], ['--follow-symlinks']]) {
      const out = path.join(base, `report${follow.length}`);
      const run = await runCli(
        dedupArgs(root, out, ...follow, '--action', 'delete', '--target', trash, '--confirm'),
      );
      expect(run.code).toBe(0);
      const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8')) as {
        groups: unknown[];
        skipped: { path: string; detail: string }[];
      };
      expect(report.groups).toEqual([]);
      if (follow.length) {
        expect(report.skipped.map((s) => s.path)).toEqual(['linked']);
        expect(report.skipped[0].detail).toMatch(/outside the root/);
      }
      const now = await fs.stat(path.join(outside, 'copy.jpg'));
      expect([now.ino, now.size, now.mtimeMs]).toEqual([seen.ino, seen.size, seen.mtimeMs]);
      expect(await listFiles(trash)).toEqual([]);
    }
  }, 180_000);
});
