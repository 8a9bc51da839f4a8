/**
 * Fault: files edited between the plan and the action. The CLI runs with the test-only gate
 * RXVISION_TEST_ACTION_GATE (actions.ts): it writes its reports, then waits for the gate file before its
 * first step; the test edits files in that window (no clock involved). An edited file must be skipped and
 * reported, never moved; a hardlink must never replace a near-duplicate's own picture.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import {
  dedupArgs,
  listFiles,
  runCli,
  setMtime,
  startCli,
  tempDir,
  waitForFile,
  writePicture,
} from './dedup-cli';

interface Outcome {
  from: string;
  status: string;
  code?: string;
  error?: string;
}

/** keep.jpg (oldest: the keeper), two byte-identical copies and a half-size near copy. */
async function collection(root: string): Promise<void> {
  await writePicture(path.join(root, 'keep.jpg'));
  await writePicture(path.join(root, 'copy1.jpg'));
  await writePicture(path.join(root, 'copy2.jpg'));
  await writePicture(path.join(root, 'near.jpg'), 'half');
  // Whole seconds, so a test can put a modification time back exactly.
  await setMtime(path.join(root, 'keep.jpg'), 1_600_000_000);
  for (const f of ['copy1.jpg', 'copy2.jpg', 'near.jpg']) await setMtime(path.join(root, f), 1_700_000_000);
}

const byName = (outcomes: Outcome[]) =>
  Object.fromEntries(outcomes.map((o) => [path.basename(o.from), [o.status, o.code ?? null]]));

describe('dedup fault: files edited between plan and action', () => {
  test('an edited copy (size changed; same size and mtime, other bytes) is skipped and reported, the rest done', async () => {
    const base = tempDir('edit-between');
    const root = path.join(base, 'photos');
    await collection(root);
    const out = path.join(base, 'report');
    const moved = path.join(base, 'moved');
    const gate = path.join(base, 'gate');
    const proc = startCli(dedupArgs(root, out, '--action', 'move', '--target', moved, '--confirm'), {
      env: { RXVISION_TEST_ACTION_GATE: gate },
    });
    // Reports are written before any action: the plan is on disk while nothing has moved yet.
    await waitForFile(path.join(out, 'report.html'), proc);
    expect(await listFiles(moved)).toEqual([]);
    // copy1 grows; copy2 gets other bytes of the same length and its old modification time back (what a
    // stale cached hash would not notice: only re-hashing does).
    await fs.appendFile(path.join(root, 'copy1.jpg'), 'edited');
    const copy2 = await fs.readFile(path.join(root, 'copy2.jpg'));
    copy2[copy2.length - 3] ^= 0xff;
    await fs.writeFile(path.join(root, 'copy2.jpg'), copy2);
    await setMtime(path.join(root, 'copy2.jpg'), 1_700_000_000);
    await fs.writeFile(gate, '');
    const run = await proc.done;
    expect(run.code).toBe(0);
    expect(byName(run.json!.outcomes as Outcome[])).toEqual({
      'copy1.jpg': ['skipped', 'ECHANGED'],
      'copy2.jpg': ['skipped', 'ECHANGED'],
      'near.jpg': ['done', null],
    });
    expect(run.json!.skippedCopies).toBe(2);
    expect(await listFiles(moved)).toEqual(['near.jpg']);
    expect(await listFiles(root)).toEqual(['copy1.jpg', 'copy2.jpg', 'keep.jpg']);
    expect((await fs.readFile(path.join(root, 'copy2.jpg'))).equals(copy2)).toBe(true);
    expect((await fs.readFile(path.join(root, 'copy1.jpg'), 'latin1')).endsWith('edited')).toBe(true);
  }, 180_000);

  test('hardlink links byte-identical copies only: the near copy keeps its own picture', async () => {
    const base = tempDir('hardlink-near');
    const root = path.join(base, 'photos');
    await collection(root);
    const near = await fs.readFile(path.join(root, 'near.jpg'));
    const out = path.join(base, 'report');
    const run = await runCli(
      dedupArgs(root, out, '--action', 'hardlink', '--target', path.join(base, 'backup'), '--confirm'),
    );
    expect(run.code).toBe(0);
    expect(byName(run.json!.outcomes as Outcome[])).toEqual({
      'copy1.jpg': ['done', null],
      'copy2.jpg': ['done', null],
      'near.jpg': ['skipped', 'ENOTIDENTICAL'],
    });
    const keeper = await fs.stat(path.join(root, 'keep.jpg'));
    expect(keeper.nlink).toBe(3);
    expect((await fs.stat(path.join(root, 'near.jpg'))).ino).not.toBe(keeper.ino);
    expect((await fs.readFile(path.join(root, 'near.jpg'))).equals(near)).toBe(true);
  }, 180_000);
});
