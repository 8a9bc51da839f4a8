/**
 * Stage `scan`: the directory walk (metadata only), streamed, collected with an explicit `toArray()`:
 * stage 0 needs every file to find those of equal size.
 */
import { Observable, filter, map, of, switchMap, tap, toArray, takeWhile } from 'rxjs';
import { counter } from '../../../metrics/registry';
import { pullFrom } from '../../../operators';
import type { ScanEntry, ScanRecord } from '../../../kernels/features/types';
import { scanImages } from '../scan';
import { stage, type JobContext } from './context';

/** What the scan found (scan errors go to the job's context and skip list). */
export interface Scanned {
  entries: ScanEntry[];
}

const filesScanned = () =>
  counter('rxvision_dedup_files_scanned_total', 'Image files found by dedup scans', ['job']);

/** The files under the job's root, with the job's scan options (`spec.scan`). */
export function scanStage(ctx: JobContext): Observable<Scanned> {
  return of(null).pipe(
    stage(
      ctx,
      'scan',
      switchMap(() => {
        let found = 0;
        return pullFrom<ScanRecord>(scanImages(ctx.root, ctx.spec.scan)).pipe(
          takeWhile(() => !ctx.stopped()),
          tap((r) => {
            if (r.kind === 'file') found++;
            else ctx.scanErrors.push(r);
            ctx.progress.update('scan', found);
          }),
          filter((r): r is ScanEntry => r.kind === 'file'),
          toArray(),
          map((entries): Scanned => {
            ctx.progress.finish('scan', entries.length);
            ctx.stats.files = entries.length;
            filesScanned().inc({ job: ctx.jobId }, entries.length);
            ctx.log.info({ files: entries.length, errors: ctx.scanErrors.length }, 'scan done');
            ctx.skipped.push(
              ...ctx.scanErrors
                .filter((e) => e.relPath !== '' || e.code !== 'ENOTDIR')
                .map((e) => ({ path: e.path, reason: 'unreadable' as const, detail: e.message })),
            );
            ctx.checkStopped('scan');
            return { entries };
          }),
        );
      }),
    ),
  );
}
