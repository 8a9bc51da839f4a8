/**
 * Stage `candidates` (stage 1): which items are new (stored decisions of earlier runs cover the rest,
 * their verified pairs are reused), and the candidate pairs still to decide, as a lazy sequence of
 * chunks read by the verify stage as it asks for them (3.7M candidates at 100k images are never held).
 */
import { concatMap, from, map, type OperatorFunction } from 'rxjs';
import { candidateChunks, planCandidates, type Candidate, type CandidatePlan } from '../detect';
import { DbPairStore, verifySettingsKey } from '../pairs';
import { stage, type JobContext } from './context';
import type { Featured } from './features';

/** Candidate pairs per chunk: features loaded, pairs verified and stored per chunk. */
export const CANDIDATE_CHUNK = 4096;

/** The features with the detection plan and the chunks of pairs to verify. */
export interface Planned {
  featured: Featured;
  plan: CandidatePlan;
  /** Decisions of earlier runs (with a feature cache). */
  store?: DbPairStore;
  chunks: Iterable<Candidate[]>;
}

/** Plans detection over the job's items. */
export function candidatesStage(ctx: JobContext): OperatorFunction<Featured, Planned> {
  return stage(
    ctx,
    'candidates',
    concatMap((featured) => {
      const { cacheDb, settings, root } = ctx;
      const store = cacheDb ? new DbPairStore(cacheDb, verifySettingsKey(settings.verify), root) : undefined;
      const onProgress = (s: 'candidates' | 'verify' | 'group', done: number, finished?: boolean) =>
        finished ? ctx.progress.finish(s, done) : ctx.progress.update(s, done);
      return from(planCandidates(featured.items, store, onProgress)).pipe(
        map((plan): Planned => ({
          featured,
          plan,
          store,
          chunks: { [Symbol.iterator]: () => candidateChunks(plan, settings.verify, CANDIDATE_CHUNK) },
        })),
      );
    }),
  );
}
