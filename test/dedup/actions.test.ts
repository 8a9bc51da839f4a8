import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  applyActions,
  planActions,
  type FileIdentity,
  type PlannedAction,
} from '../../src/pipelines/dedup/actions';
import { readUndoLog, undoActions } from '../../src/pipelines/dedup/undo';
import {
  readUndoLogRecords,
  UndoLogError,
  undoLogPath,
  UndoLogWriter,
} from '../../src/pipelines/dedup/undo-log';
import { hashFileContent } from '../../src/kernels/features/file-hash';

describe('dedup actions', () => {
  let base: string;
  let root: string;
  const content: Record<string, string> = {
    'keep.jpg': 'keeper bytes',
    'dups/one.jpg': 'first duplicate',
    'dups/deep/two.jpg': 'second duplicate',
  };
  const groups = () => [
    {
      keeper: path.join(root, 'keep.jpg'),
      duplicates: [path.join(root, 'dups/one.jpg'), path.join(root, 'dups/deep/two.jpg')],
    },
  ];
  const read = (rel: string) => fs.readFile(path.join(root, rel), 'utf8');

  beforeEach(async () => {
    base = mkdtempSync(path.join(os.tmpdir(), 'dedup-actions-'));
    root = path.join(base, 'photos');
    for (const [rel, text] of Object.entries(content)) {
      await fs.mkdir(path.dirname(path.join(root, rel)), { recursive: true });
      await fs.writeFile(path.join(root, rel), text);
    }
  });

  async function unchanged(): Promise<void> {
    for (const [rel, text] of Object.entries(content)) expect(await read(rel)).toBe(text);
  }

  test('without confirm nothing is touched', async () => {
    for (const action of ['move', 'hardlink', 'delete'] as const) {
      const plan = planActions(groups(), { action, root, targetDir: path.join(base, 'target') });
      const outcomes = await applyActions(plan, { undoLog: path.join(base, 'undo.jsonl') });
      expect(outcomes.map((o) => o.status)).toEqual(['dry-run', 'dry-run']);
    }
    await unchanged();
    await expect(fs.access(path.join(base, 'target'))).rejects.toThrow();
    await expect(fs.access(path.join(base, 'undo.jsonl'))).rejects.toThrow();
  });

  test('move keeps relative paths, logs each step, and undo restores', async () => {
    const target = path.join(base, 'moved');
    const undoLog = path.join(base, 'undo.jsonl');
    const plan = planActions(groups(), { action: 'move', root, targetDir: target });
    const outcomes = await applyActions(plan, { confirm: true, undoLog, root, targetDir: target });
    expect(outcomes.map((o) => o.status)).toEqual(['done', 'done']);
    expect(await fs.readFile(path.join(target, 'dups/deep/two.jpg'), 'utf8')).toBe('second duplicate');
    await expect(fs.access(path.join(root, 'dups/one.jpg'))).rejects.toThrow();
    expect(await read('keep.jpg')).toBe('keeper bytes');
    const log = await readUndoLog(undoLog);
    expect(log.map((r) => [r.action, r.from, r.to])).toEqual([
      ['move', path.join(root, 'dups/one.jpg'), path.join(target, 'dups/one.jpg')],
      ['move', path.join(root, 'dups/deep/two.jpg'), path.join(target, 'dups/deep/two.jpg')],
    ]);
    const undone = await undoActions(undoLog);
    expect(undone.map((u) => u.status)).toEqual(['restored', 'restored']);
    await unchanged();
  });

  test('hardlink replaces byte-identical copies with links to the keeper, never a near member; undo restores', async () => {
    await fs.writeFile(path.join(root, 'dups/one.jpg'), 'keeper bytes');
    const undoLog = path.join(base, 'undo.jsonl');
    const backup = path.join(base, 'backup');
    const plan = planActions(groups(), { action: 'hardlink', root, targetDir: backup });
    const outcomes = await applyActions(plan, { confirm: true, undoLog, root, targetDir: backup });
    expect(outcomes.map((o) => [o.status, o.code])).toEqual([
      ['done', undefined],
      ['skipped', 'ENOTIDENTICAL'],
    ]);
    const keeper = await fs.stat(path.join(root, 'keep.jpg'));
    const one = await fs.stat(path.join(root, 'dups/one.jpg'));
    expect(one.ino).toBe(keeper.ino);
    expect(keeper.nlink).toBe(2);
    expect(await read('dups/deep/two.jpg')).toBe('second duplicate'); // its own picture, untouched
    const undone = await undoActions(undoLog);
    expect(undone.map((u) => u.status)).toEqual(['restored']);
    expect((await fs.stat(path.join(root, 'dups/one.jpg'))).ino).not.toBe(keeper.ino);
    expect(await read('dups/one.jpg')).toBe('keeper bytes');
    expect((await fs.stat(path.join(root, 'keep.jpg'))).nlink).toBe(1);
  });

  test('delete moves to the trash (undoable); permanent delete is logged as irreversible', async () => {
    const undoLog = path.join(base, 'undo.jsonl');
    const trash = path.join(base, 'trash');
    await applyActions(planActions(groups(), { action: 'delete', root, targetDir: trash }), {
      confirm: true,
      undoLog,
      root,
      targetDir: trash,
    });
    await expect(fs.access(path.join(root, 'dups/one.jpg'))).rejects.toThrow();
    expect(await fs.readFile(path.join(base, 'trash/dups/one.jpg'), 'utf8')).toBe('first duplicate');
    await undoActions(undoLog);
    await unchanged();

    const permanentLog = path.join(base, 'permanent.jsonl');
    const plan = planActions(groups(), { action: 'delete', root, permanent: true });
    expect(plan.every((p) => p.to === null)).toBe(true);
    await applyActions(plan, { confirm: true, undoLog: permanentLog, root });
    await expect(fs.access(path.join(root, 'dups/one.jpg'))).rejects.toThrow();
    const undone = await undoActions(permanentLog);
    expect(undone.map((u) => u.status)).toEqual(['irreversible', 'irreversible']);
    expect(await read('keep.jpg')).toBe('keeper bytes');
  });

  test('refuses to act when the keeper is gone, and needs a folder and an undo log', async () => {
    await fs.unlink(path.join(root, 'keep.jpg'));
    const plan = planActions(groups(), { action: 'move', root, targetDir: path.join(base, 't') });
    const outcomes = await applyActions(plan, {
      confirm: true,
      undoLog: path.join(base, 'u.jsonl'),
      root,
      targetDir: path.join(base, 't'),
    });
    expect(outcomes.every((o) => o.status === 'skipped' && /keeper .* is missing/.test(o.error!))).toBe(true);
    expect(await read('dups/one.jpg')).toBe('first duplicate');
    expect(() => planActions(groups(), { action: 'move', root })).toThrow(/actions.targetDir/);
    await expect(applyActions(plan, { confirm: true, root })).rejects.toThrow(/undo log/);
  });
});

describe('dedup actions: re-checks and the undo log', () => {
  let base: string;
  let root: string;
  let target: string;
  let undoLog: string;
  const plan = (seen?: Map<string, FileIdentity>) =>
    planActions(
      [
        {
          keeper: path.join(root, 'keep.jpg'),
          duplicates: [path.join(root, 'a.jpg'), path.join(root, 'b.jpg')],
          kind: 'exact',
        },
      ],
      { action: 'move', root, targetDir: target, seen },
    );
  const apply = (p: PlannedAction[], log = undoLog) =>
    applyActions(p, { confirm: true, undoLog: log, root, targetDir: target });

  beforeEach(async () => {
    base = mkdtempSync(path.join(os.tmpdir(), 'dedup-recheck-'));
    root = path.join(base, 'photos');
    target = path.join(base, 'moved');
    undoLog = path.join(base, 'undo.jsonl');
    await fs.mkdir(root, { recursive: true });
    for (const f of ['keep.jpg', 'a.jpg', 'b.jpg']) await fs.writeFile(path.join(root, f), 'same bytes');
  });

  test('a file changed since the scan (size, mtime or inode; or other bytes in an exact group) is skipped', async () => {
    const seen = new Map<string, FileIdentity>();
    for (const f of ['keep.jpg', 'a.jpg', 'b.jpg']) {
      const st = await fs.stat(path.join(root, f));
      seen.set(path.join(root, f), { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino });
    }
    // Another file, same bytes and modification time, renamed over a.jpg: only the inode differs.
    const a = await fs.stat(path.join(root, 'a.jpg'));
    await fs.writeFile(path.join(root, 'a2.jpg'), 'same bytes');
    await fs.utimes(path.join(root, 'a2.jpg'), a.atime, a.mtime);
    await fs.rename(path.join(root, 'a2.jpg'), path.join(root, 'a.jpg'));
    seen.set(path.join(root, 'a.jpg'), {
      ...seen.get(path.join(root, 'a.jpg'))!,
      mtimeMs: (await fs.stat(path.join(root, 'a.jpg'))).mtimeMs,
    });
    const outcomes = await apply(plan(seen));
    expect(outcomes.map((o) => [o.status, o.code])).toEqual([
      ['skipped', 'ECHANGED'],
      ['done', undefined],
    ]);
    expect(outcomes[0].error).toMatch(/inode/);
    // Without scan identities, the content check of an exact group still catches other bytes.
    await fs.writeFile(path.join(root, 'a.jpg'), 'other bytes');
    const again = await apply(plan().slice(0, 1));
    expect(again.map((o) => [o.status, o.code])).toEqual([['skipped', 'ECHANGED']]);
    expect(again[0].error).toMatch(/no longer byte-identical/);
  });

  test('a file with a scan-time content hash is re-hashed: other bytes with the same size and mtime are caught', async () => {
    const file = path.join(root, 'a.jpg');
    const st = await fs.stat(file);
    const seen = new Map([[file, { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino }]]);
    const contentHashes = new Map([[file, await hashFileContent(file)]]);
    await fs.writeFile(file, 'SAME BYTES'); // same length, same inode
    await fs.utimes(file, st.atime, st.mtime);
    seen.set(file, { ...seen.get(file)!, mtimeMs: (await fs.stat(file)).mtimeMs });
    const steps = planActions([{ keeper: path.join(root, 'keep.jpg'), duplicates: [file] }], {
      action: 'move',
      root,
      targetDir: target,
      seen,
      contentHashes,
    });
    expect(steps[0].seen?.from).toEqual(seen.get(file));
    const outcomes = await apply(steps);
    expect(outcomes.map((o) => [o.status, o.code, o.error])).toEqual([
      ['skipped', 'ECHANGED', `${file} has other bytes than at the scan (content hash)`],
    ]);
  });

  test('links and files reached through a linked folder are never acted on', async () => {
    await fs.rm(path.join(root, 'a.jpg'));
    await fs.symlink(path.join(root, 'keep.jpg'), path.join(root, 'a.jpg'));
    await fs.mkdir(path.join(root, 'real'));
    await fs.writeFile(path.join(root, 'real', 'c.jpg'), 'same bytes');
    await fs.symlink(path.join(root, 'real'), path.join(root, 'alias'));
    const steps = planActions(
      [
        {
          keeper: path.join(root, 'keep.jpg'),
          duplicates: [path.join(root, 'a.jpg'), path.join(root, 'alias', 'c.jpg')],
        },
      ],
      { action: 'delete', root, targetDir: target },
    );
    const outcomes = await apply(steps);
    expect(outcomes.map((o) => [o.status, o.code])).toEqual([
      ['skipped', 'ESYMLINK'],
      ['skipped', 'ESYMLINK'],
    ]);
    expect(await fs.readFile(path.join(root, 'real', 'c.jpg'), 'utf8')).toBe('same bytes');
  });

  test('a log that cannot be written (disk full) stops the run before the first file moves', async () => {
    await expect(apply(plan(), '/dev/full')).rejects.toThrow(UndoLogError);
    await expect(apply(plan(), '/dev/full')).rejects.toThrow(/undo log \/dev\/full: .*stopped/);
    expect((await fs.readdir(root)).sort()).toEqual(['a.jpg', 'b.jpg', 'keep.jpg']);
  });

  test('a log write failing mid-run stops it at once: the logged step stays undoable', async () => {
    const append = UndoLogWriter.prototype.append;
    let calls = 0;
    const spy = jest.spyOn(UndoLogWriter.prototype, 'append').mockImplementation(function (
      this: UndoLogWriter,
      record,
    ) {
      // plan, intent 0, done 0 pass; intent 1 fails.
      if (++calls === 4) return Promise.reject(new UndoLogError(this.path, new Error('ENOSPC')));
      return append.call(this, record);
    });
    try {
      await expect(apply(plan())).rejects.toThrow(UndoLogError);
    } finally {
      spy.mockRestore();
    }
    expect((await fs.readdir(root)).sort()).toEqual(['b.jpg', 'keep.jpg']);
    expect((await undoActions(undoLog)).map((o) => o.status)).toEqual(['restored']);
    expect((await fs.readdir(root)).sort()).toEqual(['a.jpg', 'b.jpg', 'keep.jpg']);
  });

  test('a torn last line is cut off when the log is opened again, and ignored by undo', async () => {
    await apply(plan().slice(0, 1));
    await fs.appendFile(undoLog, '{"v":2,"op":"intent","run":"x","st');
    expect((await readUndoLogRecords(undoLog)).tornTail).toBe('{"v":2,"op":"intent","run":"x","st');
    await apply(plan().slice(1));
    const text = await fs.readFile(undoLog, 'utf8');
    expect(text).not.toContain('"run":"x"');
    expect((await undoActions(undoLog)).map((o) => o.status)).toEqual(['restored', 'restored']);
    // A damaged line in the middle is not a torn tail: undo refuses to guess.
    await fs.writeFile(undoLog, 'garbage\n' + text);
    await expect(undoActions(undoLog)).rejects.toThrow(/undo\.jsonl:1: bad undo record/);
  });

  test('an intent without its done record is reported incomplete and left alone', async () => {
    await apply(plan().slice(0, 1));
    const lines = (await fs.readFile(undoLog, 'utf8')).trim().split('\n');
    await fs.writeFile(undoLog, lines.slice(0, -1).join('\n') + '\n'); // drop the done record
    const undone = await undoActions(undoLog);
    expect(undone.map((o) => o.status)).toEqual(['incomplete']);
    await expect(fs.access(path.join(target, 'a.jpg'))).resolves.toBeUndefined();
  });

  test('undoLogPath: the report folder, else the target folder, else next to the root', () => {
    expect(undoLogPath({ out: '/r', targetDir: '/t', root: '/p/photos' })).toBe('/r/undo.jsonl');
    expect(undoLogPath({ targetDir: '/t', root: '/p/photos' })).toBe('/t/undo.jsonl');
    expect(undoLogPath({ root: '/p/photos' })).toBe('/p/undo.jsonl');
  });
});
