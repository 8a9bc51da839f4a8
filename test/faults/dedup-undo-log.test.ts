/**
 * Fault: the undo log. An unwritable log stops the run before any file is touched (exit code 1, the
 * message names the log); a torn last line is tolerated by undo; forged records (outside the recorded
 * plan, a forged plan over another folder, a file the run never put there) are refused and no file
 * outside the plan is touched.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { dedupArgs, listFiles, runCli, setMtime, tempDir, writePicture } from './dedup-cli';

/** keep.jpg (oldest: the keeper) and two byte-identical copies. */
async function collection(root: string): Promise<void> {
  await writePicture(path.join(root, 'keep.jpg'));
  await writePicture(path.join(root, 'copy1.jpg'));
  await writePicture(path.join(root, 'sub/copy2.jpg'));
  await setMtime(path.join(root, 'keep.jpg'), 1_600_000_000);
}

describe('dedup fault: undo log', () => {
  test('an unwritable undo log stops the run before any file moves; exit 1 naming the log', async () => {
    const base = tempDir('undo-unwritable');
    const root = path.join(base, 'photos');
    await collection(root);
    const out = path.join(base, 'report');
    // A folder where the log file should be: not writable as a file, even for root.
    await fs.mkdir(path.join(out, 'undo.jsonl'), { recursive: true });
    const moved = path.join(base, 'moved');
    const run = await runCli(dedupArgs(root, out, '--action', 'move', '--target', moved, '--confirm'));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`undo log ${path.join(out, 'undo.jsonl')}`);
    expect(await listFiles(root)).toEqual(['copy1.jpg', 'keep.jpg', 'sub/copy2.jpg']);
    expect(await listFiles(moved)).toEqual([]);
    // The report was written first: the plan is known even though nothing was done.
    await expect(fs.access(path.join(out, 'report.json'))).resolves.toBeUndefined();
  }, 180_000);

  test('undo restores the complete steps past a torn last line and refuses forged records', async () => {
    const base = tempDir('undo-forged');
    const root = path.join(base, 'photos');
    await collection(root);
    const original = await fs.readFile(path.join(root, 'copy1.jpg'));
    const out = path.join(base, 'report');
    const moved = path.join(base, 'moved');
    const run = await runCli(dedupArgs(root, out, '--action', 'move', '--target', moved, '--confirm'));
    expect(run.code).toBe(0);
    expect(await listFiles(moved)).toEqual(['copy1.jpg', 'sub/copy2.jpg']);
    const log = path.join(out, 'undo.jsonl');
    expect(run.json!.undoLog).toBe(log);
    const lines = (await fs.readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((r: { op: string }) => r.op)).toEqual(['plan', 'intent', 'done', 'intent', 'done']);
    const runId = lines[0].run as string;

    // Files outside the plan that forged records aim at.
    const outside = path.join(base, 'outside');
    await writePicture(path.join(outside, 'victim.jpg'), 'original', 'home.jpg');
    await writePicture(path.join(outside, 'other/x.jpg'), 'original', 'home.jpg');
    await writePicture(path.join(moved, 'planted.jpg'), 'original', 'home.jpg');
    const identity = async (p: string) => {
      const st = await fs.stat(p);
      return { size: st.size, mtimeMs: st.mtimeMs, ino: st.ino };
    };
    const at = new Date().toISOString();
    const intent = (step: number, from: string, to: string, run = runId) => ({
      v: 2,
      op: 'intent',
      run,
      step,
      action: 'move',
      from,
      to,
      keeper: path.join(root, 'keep.jpg'),
      at,
    });
    const done = async (step: number, movedTo: string, run = runId) => ({
      v: 2,
      op: 'done',
      run,
      step,
      moved: await identity(movedTo),
      at,
    });
    const forged = [
      // 1. The real run, but the "moved" file lies outside its target folder: undo would pull it in.
      intent(100, path.join(root, 'victim.jpg'), path.join(outside, 'victim.jpg')),
      await done(100, path.join(outside, 'victim.jpg')),
      // 2. The real run, a source outside the root by '..'.
      intent(101, path.join(root, '..', 'outside', 'restored.jpg'), path.join(moved, 'planted.jpg')),
      await done(101, path.join(moved, 'planted.jpg')),
      // 3. Inside the plan, but not the file the step left there (its identity does not match).
      intent(102, path.join(root, 'planted.jpg'), path.join(moved, 'planted.jpg')),
      { ...(await done(102, path.join(moved, 'planted.jpg'))), moved: { size: 1, mtimeMs: 1, ino: 1 } },
      // 4. A whole forged plan over another folder (refused: undo is told the root).
      {
        v: 2,
        op: 'plan',
        run: 'forged',
        action: 'move',
        root: outside,
        targetDir: path.join(outside, 'other'),
        at,
      },
      intent(0, path.join(outside, 'x.jpg'), path.join(outside, 'other/x.jpg'), 'forged'),
      await done(0, path.join(outside, 'other/x.jpg'), 'forged'),
    ];
    await fs.appendFile(log, forged.map((r) => JSON.stringify(r) + '\n').join(''));
    // A torn last line: a crash in the middle of writing a record.
    await fs.appendFile(
      log,
      JSON.stringify(intent(103, path.join(root, 'a.jpg'), path.join(moved, 'a.jpg'))).slice(0, 40),
    );
    const before = await listFiles(outside);
    const plantedBefore = await identity(path.join(moved, 'planted.jpg'));

    const undo = await runCli(['dedup', root, '--undo', log, '--json']);
    const outcomes = (undo.json!.outcomes as { status: string; record: { step: number; run: string } }[]).map(
      (o) => [o.record.run === runId ? o.record.step : o.record.run, o.status],
    );
    expect(outcomes).toEqual([
      ['forged', 'refused'],
      [102, 'refused'],
      [101, 'refused'],
      [100, 'refused'],
      [1, 'restored'],
      [0, 'restored'],
    ]);
    expect(undo.code).toBe(1); // refused records are a failure to look at
    // The plan's files are back; nothing outside the plan moved.
    expect(await listFiles(root)).toEqual(['copy1.jpg', 'keep.jpg', 'sub/copy2.jpg']);
    expect((await fs.readFile(path.join(root, 'copy1.jpg'))).equals(original)).toBe(true);
    expect(await listFiles(outside)).toEqual(before);
    expect(await identity(path.join(moved, 'planted.jpg'))).toEqual(plantedBefore);
    expect(await listFiles(moved)).toEqual(['planted.jpg']);
  }, 180_000);
});
