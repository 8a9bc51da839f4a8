/**
 * Stages 1-5 over a set of images: candidate pairs from the Hamming index, verification of each
 * candidate (hash, colour, structure, embedding), then complete-linkage grouping of the verified pairs.
 * Only summaries (hashes, digests) are held for every image; colour signatures and full feature records
 * are loaded for the pairs in hand into a bounded working set, never all at once, never pixels. With a
 * {@link PairStore}, decisions made by earlier runs are reused instead of verified again.
 */
import { HammingIndex } from './candidate-index';
import { groupPairs, type DuplicateGroup, type ScoredPair } from './grouping';
import type { PairStore, StoredPair } from './pairs';
import type { GroupingSettings, VerifySettings } from '../../config/schema/dedup-settings';
import type {
  HashSet,
  HashVariant,
  ImageFeatures,
  ImageSummary,
  Transform,
} from '../../kernels/features/types';
import { verifyPair, type PairVerdict, type ScreenFeatures } from '../../kernels/features/verify';
import { verifyBatch, type VerifyBatch } from '../../kernels/features/verify-batch';
import { DEFAULT_WORKING_SET } from '../../config/schema/dedup-settings';
import { WorkingSet } from './working-set';

export interface DetectStats {
  /** Candidate pairs verified in this run (a re-run verifies only pairs involving new or changed images). */
  candidates: number;
  /** Verified (similar) pairs in all: verified in this run or reused. */
  verified: number;
  /** Candidate pairs rejected in this run, by the first stage that rejected them. */
  rejected: Record<NonNullable<PairVerdict['rejectedBy']>, number>;
  /** Verified pairs taken from an earlier run's results instead of being verified again. */
  reused: number;
}

/** Progress hook: the index is built ('candidates'), pairs checked ('verify'), groups formed ('group'). */
export type DetectProgress = (
  stage: 'candidates' | 'verify' | 'group',
  done: number,
  finished?: boolean,
) => void;

export interface DetectResult {
  /** Groups of indices into the input array. */
  groups: DuplicateGroup[];
  stats: DetectStats;
  /** True when `signal` stopped verification early: no groups then (a partial result would mislead). */
  interrupted?: boolean;
}

/** What candidate search reads of an image. */
export interface CandidateItem {
  hashes: HashSet;
  variants: readonly HashVariant[];
}

/** A candidate pair of item indices: items[a] looks like `transform` applied to items[b] (identity: a < b). */
export interface Candidate {
  a: number;
  b: number;
  transform: Transform;
}

/**
 * Stage 1: every candidate pair, lazily: pairs within `maxHashDistance` on the index hash, then (when
 * items carry hash variants) each item's variant hashes looked up, so mirrored/rotated copies are found.
 */
export function* candidatePairs(
  items: readonly CandidateItem[],
  verify: Pick<VerifySettings, 'indexHash' | 'maxHashDistance'>,
): Generator<Candidate> {
  const index = HammingIndex.fromHex(items.map((f) => f.hashes[verify.indexHash]));
  for (const { a, b } of index.candidates(verify.maxHashDistance)) yield { a, b, transform: 'identity' };
  for (let i = 0; i < items.length; i++) {
    for (const v of items[i].variants) {
      for (const { id } of index.query(v[verify.indexHash], verify.maxHashDistance)) {
        // items[id] looks like transform(items[i]): its thumbnail is compared under the same transform.
        if (id !== i) yield { a: id, b: i, transform: v.transform };
      }
    }
  }
}

/** Collects verdicts into the best-scored verified edge per item pair, with stats. */
export class Verdicts {
  readonly stats: DetectStats = {
    candidates: 0,
    verified: 0,
    rejected: { hash: 0, colour: 0, structure: 0, foreground: 0, detail: 0, embedding: 0 },
    reused: 0,
  };
  private readonly best = new Map<string, ScoredPair>();

  constructor(private readonly onProgress?: DetectProgress) {}

  add(a: number, b: number, verdict: PairVerdict): void {
    const stats = this.stats;
    stats.candidates++;
    if ((stats.candidates & 1023) === 0) this.onProgress?.('verify', stats.candidates);
    if (!verdict.pass) {
      stats.rejected[verdict.rejectedBy!]++;
      return;
    }
    stats.verified++;
    this.keep(a, b, verdict.score);
  }

  /** A verified pair stored by an earlier run. */
  reuse(a: number, b: number, score: number): void {
    this.stats.reused++;
    this.stats.verified++;
    this.keep(a, b, score);
  }

  private keep(a: number, b: number, score: number): void {
    const key = a < b ? `${a},${b}` : `${b},${a}`;
    const prev = this.best.get(key);
    if (!prev || prev.score < score) this.best.set(key, { a: Math.min(a, b), b: Math.max(a, b), score });
  }

  finish(grouping: Partial<GroupingSettings>): DetectResult {
    this.onProgress?.('verify', this.stats.candidates, true);
    const groups = groupPairs([...this.best.values()], grouping);
    this.onProgress?.('group', groups.length, true);
    return { groups, stats: this.stats };
  }
}

/**
 * Finds near-duplicate groups among `items` (all features in memory, nothing stored). With hash variants
 * present (features computed with `variants: true`), mirrored/rotated copies are found too.
 */
export function findNearDuplicates(
  items: readonly ImageFeatures[],
  verify: VerifySettings,
  grouping: Partial<GroupingSettings> = {},
  onProgress?: DetectProgress,
): DetectResult {
  const verdicts = new Verdicts(onProgress);
  onProgress?.('candidates', items.length, true);
  for (const c of candidatePairs(items, verify))
    verdicts.add(c.a, c.b, verifyPair(items[c.a], items[c.b], verify, c.transform));
  return verdicts.finish(grouping);
}

/**
 * Stage 1 restricted to pairs that involve at least one item with `isNew[i]`: the same pairs
 * {@link candidatePairs} yields for them, found by lookups of the new items (and, for hash variants,
 * lookups of every item's variant hashes in an index of the new items only).
 */
export function* candidatePairsInvolving(
  items: readonly CandidateItem[],
  isNew: readonly boolean[],
  verify: Pick<VerifySettings, 'indexHash' | 'maxHashDistance'>,
): Generator<Candidate> {
  const newIds = items.flatMap((_, i) => (isNew[i] ? [i] : []));
  if (newIds.length === 0) return;
  if (newIds.length === items.length) {
    yield* candidatePairs(items, verify);
    return;
  }
  const r = verify.maxHashDistance;
  const index = HammingIndex.fromHex(items.map((f) => f.hashes[verify.indexHash]));
  for (const x of newIds) {
    for (const { id } of index.query(items[x].hashes[verify.indexHash], r)) {
      // A pair of two new items is met from both sides: keep it once, as candidatePairs would (a < b).
      if (id === x || (isNew[id] && id < x)) continue;
      yield { a: Math.min(x, id), b: Math.max(x, id), transform: 'identity' };
    }
  }
  const newIndex = HammingIndex.fromHex(newIds.map((i) => items[i].hashes[verify.indexHash]));
  for (let i = 0; i < items.length; i++) {
    for (const v of items[i].variants) {
      const hex = v[verify.indexHash];
      const found = isNew[i]
        ? index.query(hex, r).map(({ id }) => id)
        : newIndex.query(hex, r).map(({ id }) => newIds[id]);
      for (const id of found) if (id !== i) yield { a: id, b: i, transform: v.transform };
    }
  }
}

/** Options of {@link detectNearDuplicates}. */
export interface DetectOptions {
  verify: VerifySettings;
  grouping?: Partial<GroupingSettings>;
  /**
   * Full feature records of the items with these indices (same order). Called for the items of candidate
   * pairs that pass stages 1-2 (for every item of a pair to verify when there is no `loadColour`). Loaded
   * records stay in a bounded working set (see `workingSet`): an item evicted from it is loaded again if
   * a later pair needs it.
   */
  load: (ids: readonly number[]) => Promise<ImageFeatures[]>;
  /**
   * Colour signatures of the items with these indices (same order), for stages 1-2. Almost every
   * candidate is rejected by the colour stage, so reading this column alone (a few hundred bytes per
   * item) spares loading thumbnails for them. Without it, stages 1-2 read the records `load` gives.
   */
  loadColour?: (ids: readonly number[]) => Promise<Float32Array[]>;
  /**
   * Items whose loaded records are held at most (least recently used evicted first; default
   * {@link DEFAULT_WORKING_SET}, at least 2). Pairs are decided in runs whose items fit, so the memory
   * of verification does not grow with the collection.
   */
  workingSet?: number;
  /** Called with each item id whose records leave the working set (accounting, tests). */
  onEvict?: (id: number) => void;
  /** Results of earlier runs (for this root and these verification settings); updated at the end. */
  store?: PairStore;
  onProgress?: DetectProgress;
  /** Candidate pairs verified per batch (features loaded, verified pairs saved); default 4096. */
  chunkSize?: number;
  /** Verifies batches of pairs (default: {@link localVerifier}, on this thread). */
  verifier?: PairVerifier;
  /**
   * Stops verification between batches (the event loop gets a turn after each, so a signal handler can
   * run): verified pairs saved so far stay stored, the store is not marked complete, no groups.
   */
  signal?: AbortSignal;
}

/** What the working set holds of an item: what stages 1-2 read, and the full record once a pair needs it. */
interface Held {
  screen: ScreenFeatures;
  full?: ImageFeatures;
}

/**
 * Consecutive runs of `pairs` whose items number at most `capacity` each (a pair's two items always
 * fit: capacity >= 2), with the items of each run.
 */
function* runsWithin(
  pairs: readonly Candidate[],
  capacity: number,
): Generator<{ pairs: readonly Candidate[]; ids: ReadonlySet<number> }> {
  let start = 0;
  while (start < pairs.length) {
    const ids = new Set<number>();
    let end = start;
    for (; end < pairs.length; end++) {
      const { a, b } = pairs[end];
      const added = (ids.has(a) ? 0 : 1) + (a === b || ids.has(b) ? 0 : 1);
      if (ids.size + added > capacity) break;
      ids.add(a).add(b);
    }
    yield { pairs: pairs.slice(start, end), ids };
    start = end;
  }
}

/**
 * Verifies one batch of pairs (see verify-batch.ts): the hash workers' `verifyPairs` in a job, the
 * kernel itself on this thread by default.
 */
export type PairVerifier = (batch: VerifyBatch) => Promise<(PairVerdict | undefined)[]>;

/** The verifier that runs on this thread. */
export const localVerifier =
  (verify: VerifySettings): PairVerifier =>
  (batch) =>
    Promise.resolve(verifyBatch(batch, verify));

/**
 * Which items are new and which verified pairs an earlier run left (step 1 of detection): items whose
 * digest the store's last complete run covered (and that no other item shares) are "old"; their verified
 * pairs with each other are taken from the store.
 */
export interface CandidatePlan {
  items: readonly ImageSummary[];
  isNew: readonly boolean[];
  /** Digests of the store's last complete run. */
  checked: ReadonlySet<string>;
  /** Every current digest. */
  digests: ReadonlySet<string>;
  verdicts: Verdicts;
}

/** Plans detection over `items` (reads the store's decisions, if any). */
export async function planCandidates(
  items: readonly ImageSummary[],
  store?: PairStore,
  onProgress?: DetectProgress,
): Promise<CandidatePlan> {
  const verdicts = new Verdicts(onProgress);
  const checked = store ? await store.checkedDigests() : new Set<string>();
  const copies = new Map<string, number>();
  for (const it of items) copies.set(it.digest, (copies.get(it.digest) ?? 0) + 1);
  // A digest the last run saw once may now belong to two items: their pair was never decided.
  const isNew = items.map((it) => !checked.has(it.digest) || copies.get(it.digest)! > 1);
  if (store) {
    const oldIds = new Map<string, number>();
    items.forEach((it, i) => {
      if (!isNew[i]) oldIds.set(it.digest, i);
    });
    for (const p of await store.verifiedAmong(new Set(oldIds.keys()))) {
      // (d, d) was stored when two items shared digest d; now only one has it: no pair.
      if (p.a !== p.b) verdicts.reuse(oldIds.get(p.a)!, oldIds.get(p.b)!, p.score);
    }
  }
  onProgress?.('candidates', items.length, true);
  return { items, isNew, checked, digests: new Set(copies.keys()), verdicts };
}

/** The candidate pairs still to decide (those involving a new item), in chunks of `chunkSize`. */
export function* candidateChunks(
  plan: CandidatePlan,
  verify: Pick<VerifySettings, 'indexHash' | 'maxHashDistance'>,
  chunkSize = 4096,
): Generator<Candidate[]> {
  let chunk: Candidate[] = [];
  for (const c of candidatePairsInvolving(plan.items, plan.isNew, verify)) {
    chunk.push(c);
    if (chunk.length >= chunkSize) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** A chunk of pairs with their verdicts (same order). */
export interface DecidedChunk {
  pairs: readonly Candidate[];
  verdicts: readonly PairVerdict[];
}

/** Options of {@link ChunkVerifier}. */
export type ChunkVerifierOptions = Pick<DetectOptions, 'load' | 'loadColour' | 'workingSet' | 'onEvict'> & {
  verifier: PairVerifier;
};

/**
 * Verifies chunks of candidate pairs: loads the feature data they need into a bounded working set
 * (colour signatures for stages 1-2, full records for the pairs that pass them) and hands each run of
 * pairs with its records to the verifier. Several chunks may be in hand at once: loading (and reading
 * the working set) is done one chunk at a time, verifying concurrently.
 */
export class ChunkVerifier {
  private readonly held: WorkingSet<Held>;
  private readonly capacity: number;
  private lock: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly items: readonly ImageSummary[],
    private readonly options: ChunkVerifierOptions,
  ) {
    this.capacity = options.workingSet ?? DEFAULT_WORKING_SET;
    if (!(this.capacity >= 2))
      throw new RangeError(`workingSet must hold a pair (2 items or more), not ${this.capacity}`);
    this.held = new WorkingSet<Held>(this.capacity, options.onEvict);
  }

  /** Verdicts of every pair of `chunk`, in order. */
  async decide(chunk: readonly Candidate[]): Promise<DecidedChunk> {
    const verdicts: PairVerdict[] = [];
    for (const run of runsWithin(chunk, this.capacity)) {
      const screened = await this.verifier(run.pairs, run.ids, false);
      const survivors = run.pairs.filter((_, k) => !screened[k]);
      const full =
        survivors.length === 0
          ? []
          : await this.verifier(survivors, new Set(survivors.flatMap((c) => [c.a, c.b])), true);
      let s = 0;
      // Pairs keep their candidate order: verified pairs are recorded in candidate order.
      for (const v of screened) verdicts.push(v ?? full[s++]!);
    }
    return { pairs: chunk, verdicts };
  }

  /** Loads the records of `ids` (under the lock), then verifies `pairs` against them. */
  private async verifier(
    pairs: readonly Candidate[],
    ids: ReadonlySet<number>,
    full: boolean,
  ): Promise<(PairVerdict | undefined)[]> {
    const batch = await this.locked(async () => {
      await this.ensure(ids, full);
      const local = new Map<number, number>();
      const records: (ScreenFeatures | ImageFeatures)[] = [];
      for (const id of ids) {
        const h = this.held.peek(id)!;
        local.set(id, records.length);
        records.push(full ? h.full! : h.screen);
      }
      const batchPairs = pairs.map((c) => ({
        a: local.get(c.a)!,
        b: local.get(c.b)!,
        transform: c.transform,
      }));
      return { pairs: batchPairs, records };
    });
    return this.options.verifier(batch);
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.lock.then(fn);
    this.lock = next.catch(() => undefined);
    return next;
  }

  /**
   * Makes `ids` resident (with full records when `full`). Every id of the run in hand is touched first,
   * so what is evicted to make room is never an item of that run: runs fit in the working set.
   */
  private async ensure(ids: Iterable<number>, full: boolean): Promise<void> {
    const { held, options, items } = this;
    const missing: number[] = [];
    for (const id of ids) {
      const h = held.get(id);
      if (!h || (full && !h.full)) missing.push(id);
    }
    if (missing.length === 0) return;
    held.reserve(missing.filter((id) => !held.peek(id)).length);
    if (full || !options.loadColour) {
      const records = await options.load(missing);
      missing.forEach((id, k) => held.set(id, { screen: records[k], full: records[k] }));
      return;
    }
    const colours = await options.loadColour(missing);
    missing.forEach((id, k) => {
      const { hashes, variants } = items[id];
      held.set(id, { screen: { hashes, variants, colour: colours[k] } });
    });
  }
}

/** Records a decided chunk in the plan's verdicts; returns its verified pairs, by digests, to store. */
export function recordChunk(plan: CandidatePlan, decided: DecidedChunk): StoredPair[] {
  const passed: StoredPair[] = [];
  decided.pairs.forEach((c, k) => {
    const verdict = decided.verdicts[k];
    plan.verdicts.add(c.a, c.b, verdict);
    if (!verdict.pass) return;
    const { hash, colour, structure, embedding } = verdict.scores;
    passed.push({
      a: plan.items[c.a].digest,
      b: plan.items[c.b].digest,
      transform: c.transform,
      score: verdict.score,
      scores: { hash, colour: colour!, structure: structure!, embedding },
    });
  });
  return passed;
}

/** Last step: marks the store complete for the current digests and groups the verified pairs. */
export async function finishDetection(
  plan: CandidatePlan,
  grouping: Partial<GroupingSettings>,
  store?: PairStore,
): Promise<DetectResult> {
  await store?.setChecked(plan.digests, plan.checked);
  return plan.verdicts.finish(grouping);
}

/**
 * {@link findNearDuplicates} over image summaries, reusing stored results: items whose digest the
 * store's last complete run covered (and that no other item shares) are "old"; their verified pairs
 * with each other are read from the store, and only candidate pairs involving a new item are searched
 * and verified. Feature data is loaded on demand into a bounded working set: colour signatures (with
 * `loadColour`) for stages 1-2, full records only for the pairs that pass them. The groups are the same
 * as with every pair verified afresh with all records in memory; the store then covers all current items.
 * (A dedup job runs the same steps as stages, with verification in the worker pool: stages/.)
 */
export async function detectNearDuplicates(
  items: readonly ImageSummary[],
  options: DetectOptions,
): Promise<DetectResult> {
  const { verify, store, onProgress, signal } = options;
  const verifier = new ChunkVerifier(items, {
    ...options,
    verifier: options.verifier ?? localVerifier(verify),
  });
  const plan = await planCandidates(items, store, onProgress);
  const stop = (): DetectResult => ({ groups: [], stats: plan.verdicts.stats, interrupted: true });
  for (const chunk of candidateChunks(plan, verify, options.chunkSize)) {
    const passed = recordChunk(plan, await verifier.decide(chunk));
    if (store && passed.length > 0) await store.saveVerified(passed);
    if (signal) {
      await new Promise((resolve) => setImmediate(resolve));
      if (signal.aborted) return stop();
    }
  }
  if (signal?.aborted) return stop();
  return finishDetection(plan, options.grouping ?? {}, store);
}
