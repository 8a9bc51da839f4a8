import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applyActions, planActions } from '../../src/pipelines/dedup/actions';
import { readUndoLog, undoActions } from '../../src/pipelines/dedup/undo';

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
