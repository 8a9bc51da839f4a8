import path from 'node:path';
import { formatDedupSummary } from '../../src/cli/commands/dedup';
import type { DedupJobResult } from '../../src/pipelines/dedup/job';

describe('dedup summary', () => {
  test('a confirmed run names the undo log the job wrote (also without a report folder) and the skipped steps', () => {
    const undoLog = path.join('/srv/trash', 'undo.jsonl');
    const step = { action: 'move' as const, to: '/srv/trash/b.jpg', keeper: '/p/a.jpg' };
    const result = {
      interrupted: false,
      undoLog,
      outcomes: [
        { ...step, from: '/p/b.jpg', status: 'done' },
        { ...step, from: '/p/c.jpg', status: 'skipped', code: 'ECHANGED', error: 'changed since the scan' },
      ],
      stats: { files: 3, groups: 1, duplicates: 2, skipped: 0, reclaimableBytes: 0, elapsedMs: 1 },
    } as unknown as DedupJobResult;
    const text = formatDedupSummary(result, undefined, true);
    expect(text).toContain(`1 done, 1 skipped`);
    expect(text).toContain(`undo log: ${undoLog}`);
    expect(text).toContain('skipped (ECHANGED): /p/c.jpg: changed since the scan');
    expect(text).toContain('report: none (no report folder)');
  });
});
