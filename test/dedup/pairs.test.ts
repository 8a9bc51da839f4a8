import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { openDatabase, type Database } from '../../src/db';
import { featureDigest, summaryOf, toCacheRow, upsertCacheRows } from '../../src/pipelines/dedup/cache';
import {
  candidatePairs,
  candidatePairsInvolving,
  detectNearDuplicates,
  findNearDuplicates,
} from '../../src/pipelines/dedup/detect';
import { extractFeatures } from '../../src/kernels/features/features';
import {
  DbPairStore,
  canonicalPair,
  prunePairs,
  verifySettingsKey,
  type PairStore,
  type StoredPair,
} from '../../src/pipelines/dedup/pairs';
import { defaultDedupSettings, verifySettingsSchema } from '../../src/config/schema/dedup-settings';
import type { ImageFeatures, ImageSummary } from '../../src/kernels/features/types';
import { colourCheck, screenPair, verifyPair } from '../../src/kernels/features/verify';
import { makeCorpus, samplesDir } from './corpus';

const settings = defaultDedupSettings();
const features = { ...settings.features, variants: true };

describe('stored pair decisions', () => {
  let database: Database;
  let items: ImageFeatures[];
  let summaries: ImageSummary[];

  beforeAll(async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'dedup-pairs-'));
    const corpus = await makeCorpus(root, ['fruits.jpg', 'home.jpg', 'baboon.jpg']);
    // A mirrored copy: found only through a hash variant (transform flipH).
    const mirrored = path.join(root, 'mirrored-fruits.jpg');
    await sharp(path.join(samplesDir(), 'fruits.jpg')).flop().jpeg({ quality: 90 }).toFile(mirrored);
    items = [];
    for (const file of [...corpus.map((c) => c.path), mirrored]) {
      const r = await extractFeatures(file, features);
      if (!r.ok) throw new Error(r.skipped.detail);
      items.push(r.features);
    }
    summaries = items.map((f) => summaryOf(f));
    database = await openDatabase({ dataDir: ':memory:' });
    await database.migrate();
  }, 180_000);

  afterAll(async () => {
    await database?.close();
  });

  /** A loader over the in-memory records that remembers what it was asked for. */
  function loader() {
    const asked: number[] = [];
    return {
      asked,
      load: (ids: readonly number[]) => {
        asked.push(...ids);
        return Promise.resolve(ids.map((id) => items[id]));
      },
    };
  }

  test('identity pairs are stored in digest order, transformed pairs keep their direction', () => {
    expect(canonicalPair({ a: 'b', b: 'a', transform: 'identity' as const })).toEqual({
      a: 'a',
      b: 'b',
      transform: 'identity',
    });
    expect(canonicalPair({ a: 'b', b: 'a', transform: 'flipH' as const })).toEqual({
      a: 'b',
      b: 'a',
      transform: 'flipH',
    });
  });

  test('the verification key changes with every verification setting', () => {
    const base = verifySettingsSchema.parse({});
    const keys = new Set(
      [
        base,
        { ...base, indexHash: 'phash' as const },
        { ...base, maxHashDistance: 11 },
        { ...base, minColour: 0.5 },
        { ...base, minStructure: 0.5 },
        { ...base, minEmbedding: 0.9 },
      ].map(verifySettingsKey),
    );
    expect(keys.size).toBe(6);
    expect(verifySettingsKey({ ...base })).toBe(verifySettingsKey(base));
  });

  test('candidates involving new items are exactly the full candidates that touch one', () => {
    // Random 64-bit hashes in a few tight clusters (many candidates), each with two random variants.
    let seed = 7;
    const rnd = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const hex = () => Array.from({ length: 16 }, () => Math.floor(rnd() * 16).toString(16)).join('');
    const flip = (h: string, bits: number) => {
      let v = BigInt('0x' + h);
      for (let k = 0; k < bits; k++) v ^= 1n << BigInt(Math.floor(rnd() * 64));
      return v.toString(16).padStart(16, '0');
    };
    const centres = Array.from({ length: 5 }, hex);
    const hashSet = () => {
      const h = flip(centres[Math.floor(rnd() * centres.length)], Math.floor(rnd() * 10));
      return { whash: h, phash: h, dhash: h };
    };
    const pool = Array.from({ length: 120 }, () => ({
      hashes: hashSet(),
      variants: [
        { transform: 'flipH' as const, ...hashSet() },
        { transform: 'rot90' as const, ...hashSet() },
      ],
    }));
    const key = (c: { a: number; b: number; transform: string }) => `${c.a},${c.b},${c.transform}`;
    const full = [...candidatePairs(pool, settings.verify)].map(key);
    expect(new Set(full).size).toBe(full.length);
    expect(full.length).toBeGreaterThan(1000);
    for (const fraction of [0, 0.05, 0.5, 1]) {
      const isNew = pool.map(() => rnd() < fraction);
      const wanted = [...candidatePairs(pool, settings.verify)]
        .filter((c) => isNew[c.a] || isNew[c.b])
        .map(key)
        .sort();
      const got = [...candidatePairsInvolving(pool, isNew, settings.verify)].map(key).sort();
      expect(got).toEqual(wanted);
    }
  });

  test('over summaries without a store: the same groups and counts as with all features in memory', async () => {
    const expected = findNearDuplicates(items, settings.verify, settings.grouping);
    // The corpus has both kinds of candidates: identity pairs and a mirrored one.
    const kinds = new Set([...candidatePairs(items, settings.verify)].map((c) => c.transform));
    expect(kinds).toEqual(new Set(['identity', 'flipH']));
    const { load } = loader();
    const got = await detectNearDuplicates(summaries, {
      verify: settings.verify,
      grouping: settings.grouping,
      load,
    });
    expect(got.groups).toEqual(expected.groups);
    expect(got.stats).toEqual(expected.stats);
    expect(got.groups.length).toBe(3);
  });

  test('a working set of two items: the same groups, stats and stored pairs, never more than two held', async () => {
    // A colour threshold at the median candidate's colour score: the colour stage rejects half of them.
    const candidates = [...candidatePairs(items, settings.verify)];
    const colours = candidates.map((c) => colourCheck(items[c.a], items[c.b], 0).score).sort((x, y) => x - y);
    const verify = { ...settings.verify, minColour: colours[Math.floor(colours.length / 2)] };
    const expected = findNearDuplicates(items, verify, settings.grouping);
    expect(expected.stats.rejected.colour).toBeGreaterThan(0);
    expect(expected.stats.verified).toBeGreaterThan(0);
    /** A store of no earlier run that records what it is asked to save, in order. */
    const recording = () => {
      const saved: StoredPair[] = [];
      const store: PairStore = {
        checkedDigests: () => Promise.resolve(new Set()),
        verifiedAmong: () => Promise.resolve([]),
        saveVerified: (pairs) => Promise.resolve(void saved.push(...pairs)),
        setChecked: () => Promise.resolve(),
      };
      return { saved, store };
    };
    const reference = recording();
    await detectNearDuplicates(summaries, {
      verify,
      load: loader().load,
      store: reference.store,
    });

    // Records held = loaded and not yet evicted, counted when a load hands them out.
    const held = new Set<number>();
    let peak = 0;
    let loaded = 0;
    const fullLoads = new Set<number>();
    const hold = (ids: readonly number[]) => {
      for (const id of ids) held.add(id);
      loaded += ids.length;
      peak = Math.max(peak, held.size);
    };
    const tiny = recording();
    const got = await detectNearDuplicates(summaries, {
      verify,
      grouping: settings.grouping,
      store: tiny.store,
      chunkSize: 5,
      workingSet: 2,
      onEvict: (id) => held.delete(id),
      loadColour: (ids) => {
        hold(ids);
        return Promise.resolve(ids.map((id) => items[id].colour));
      },
      load: (ids) => {
        hold(ids);
        for (const id of ids) fullLoads.add(id);
        return Promise.resolve(ids.map((id) => items[id]));
      },
    });
    expect(got.groups).toEqual(expected.groups);
    expect(got.stats).toEqual(expected.stats);
    expect(tiny.saved).toEqual(reference.saved);
    expect(tiny.saved).toHaveLength(expected.stats.verified);
    expect(peak).toBe(2);
    // Items came back after eviction: with every record kept, each would be loaded once.
    expect(loaded).toBeGreaterThan(new Set(candidates.flatMap((c) => [c.a, c.b])).size);
    // Full records only for the items of pairs that pass stages 1-2.
    const screened = candidates.filter((c) => !screenPair(items[c.a], items[c.b], verify, c.transform));
    expect(fullLoads).toEqual(new Set(screened.flatMap((c) => [c.a, c.b])));
    expect(fullLoads.size).toBeLessThan(items.length);
  });

  test('with the store: a re-run verifies nothing and loads no feature record; new items only their pairs', async () => {
    const root = '/photos';
    const store = new DbPairStore(database.db, verifySettingsKey(settings.verify), root, 3);
    const expected = findNearDuplicates(items, settings.verify, settings.grouping);
    const first = loader();
    const cold = await detectNearDuplicates(summaries, {
      verify: settings.verify,
      grouping: settings.grouping,
      load: first.load,
      store,
      chunkSize: 7, // several batches
    });
    expect(cold.groups).toEqual(expected.groups);
    expect(cold.stats).toEqual(expected.stats);
    expect(new Set(first.asked).size).toBe(first.asked.length); // each record loaded at most once
    const rows = await database.db.selectFrom('dedup_pairs').selectAll().execute();
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.length).toBeLessThanOrEqual(cold.stats.verified); // only verified pairs are stored
    expect(await store.checkedDigests()).toEqual(new Set(summaries.map((s) => s.digest)));

    const second = loader();
    const warm = await detectNearDuplicates(summaries, {
      verify: settings.verify,
      grouping: settings.grouping,
      load: second.load,
      store,
    });
    expect(second.asked).toEqual([]);
    expect(warm.stats.candidates).toBe(0);
    expect(warm.stats.reused).toBe(cold.stats.verified);
    expect(warm.stats.verified).toBe(cold.stats.verified);
    expect(warm.groups).toEqual(cold.groups);

    // Stored scores are the verified scores.
    const stored = await store.verifiedAmong(new Set(summaries.map((s) => s.digest)));
    const byDigest = new Map(summaries.map((s, i) => [s.digest, i]));
    for (const p of stored) {
      const v = verifyPair(
        items[byDigest.get(p.a)!],
        items[byDigest.get(p.b)!],
        settings.verify,
        p.transform,
      );
      expect(v.pass).toBe(true);
      expect(p.score).toBe(v.score);
    }

    // One item left out, then back: only its pairs are verified, and only its partners are loaded.
    const without = summaries.slice(1);
    await detectNearDuplicates(without, { verify: settings.verify, load: loader().load, store });
    const third = loader();
    const back = await detectNearDuplicates(summaries, {
      verify: settings.verify,
      grouping: settings.grouping,
      load: third.load,
      store,
    });
    expect(back.groups).toEqual(expected.groups);
    expect(back.stats.verified).toBe(expected.stats.verified);
    const involving = [...candidatePairs(items, settings.verify)].filter((c) => c.a === 0 || c.b === 0);
    expect(back.stats.candidates).toBe(involving.length);
    expect(new Set(third.asked)).toEqual(new Set(involving.flatMap((c) => [c.a, c.b])));

    // Other verification settings reuse nothing.
    const strict = { ...settings.verify, minStructure: 0.9 };
    const other = await detectNearDuplicates(summaries, {
      verify: strict,
      load: loader().load,
      store: new DbPairStore(database.db, verifySettingsKey(strict), root),
    });
    expect(other.stats.reused).toBe(0);
    expect(other.groups).toEqual(findNearDuplicates(items, strict).groups);
  });

  test('a stop between batches leaves no groups and does not mark the run complete', async () => {
    const store = new DbPairStore(database.db, verifySettingsKey(settings.verify), '/stopped');
    const abort = new AbortController();
    abort.abort();
    const all = [...candidatePairs(items, settings.verify)].length;
    const stopped = await detectNearDuplicates(summaries, {
      verify: settings.verify,
      load: loader().load,
      store,
      chunkSize: 4,
      signal: abort.signal,
    });
    expect(stopped.interrupted).toBe(true);
    expect(stopped.groups).toEqual([]);
    expect(stopped.stats.candidates).toBe(4); // one batch
    expect(all).toBeGreaterThan(4);
    expect(await store.checkedDigests()).toEqual(new Set());
    // The next run verifies everything again (nothing was marked as decided).
    const next = await detectNearDuplicates(summaries, {
      verify: settings.verify,
      load: loader().load,
      store,
    });
    expect(next.interrupted).toBeUndefined();
    expect(next.stats.candidates).toBe(all);
  });

  test('pairs of features no cached row has any more are pruned and leave every scope', async () => {
    const store = new DbPairStore(database.db, verifySettingsKey(settings.verify), '/photos');
    const rows = items.map((f, i) => toCacheRow({ path: f.path, size: 100 + i, mtimeMs: 1 }, f, 'pk'));
    await upsertCacheRows(database.db, rows);
    const gone = featureDigest(items[0]);
    const count = async (d: string) =>
      (
        await database.db
          .selectFrom('dedup_pairs')
          .select('a_digest')
          .where((eb) => eb.or([eb('a_digest', '=', d), eb('b_digest', '=', d)]))
          .execute()
      ).length;
    const before = await count(gone);
    expect(before).toBeGreaterThan(0);
    expect((await store.checkedDigests()).has(gone)).toBe(true);
    expect(await prunePairs(database.db, [gone])).toBe(0); // its row still exists
    await database.db.deleteFrom('dedup_features').where('path', '=', items[0].path).execute();
    expect(await prunePairs(database.db, [gone, featureDigest(items[1])])).toBe(before);
    expect(await count(gone)).toBe(0);
    expect(await count(featureDigest(items[1]))).toBeGreaterThan(0);
    const checked = await store.checkedDigests();
    expect(checked.has(gone)).toBe(false);
    expect(checked.has(featureDigest(items[1]))).toBe(true);
  });

  test('two items sharing a digest are verified against each other even if the digest was checked', async () => {
    const store = new DbPairStore(database.db, verifySettingsKey(settings.verify), '/twins');
    await detectNearDuplicates(summaries, { verify: settings.verify, load: loader().load, store });
    // A second file with exactly the features of item 2 (say, only its metadata differs).
    const twins = [...summaries, { ...summaries[2], path: '/twins/copy.jpg' }];
    const records = [...items, { ...items[2], path: '/twins/copy.jpg' }];
    const got = await detectNearDuplicates(twins, {
      verify: settings.verify,
      grouping: settings.grouping,
      load: (ids) => Promise.resolve(ids.map((id) => records[id])),
      store,
    });
    const expected = findNearDuplicates(records, settings.verify, settings.grouping);
    expect(got.groups).toEqual(expected.groups);
    expect(got.stats.verified).toBe(expected.stats.verified);
    expect(got.groups.some((g) => g.members.includes(2) && g.members.includes(records.length - 1))).toBe(
      true,
    );
  });
});
