import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { openDatabase, type Database, type DB } from '../../src/db';
import * as m0003 from '../../src/db/migrations/0003_dedup';
import * as m0005 from '../../src/db/migrations/0005_dedup_pairs';
import * as m0007 from '../../src/db/migrations/0007_dedup_foreground';
import {
  bytesToFloats,
  featureDigest,
  featureSettingsKey,
  floatsToBytes,
  fromCacheRow,
  isFresh,
  readCacheIndex,
  readCachedColours,
  readCachedRows,
  setFeatureDigests,
  summaryFromIndexRow,
  summaryOf,
  toCacheRow,
  upsertCacheRows,
} from '../../src/pipelines/dedup/cache';
import { extractFeatures } from '../../src/kernels/features/features';
import { featureSettingsSchema } from '../../src/config/schema/dedup-settings';
import type { ImageFeatures } from '../../src/kernels/features/types';
import { samplesDir } from './corpus';

const settings = featureSettingsSchema.parse({ variants: true });
const key = featureSettingsKey(settings);

async function sampleFeatures(): Promise<ImageFeatures[]> {
  const out: ImageFeatures[] = [];
  for (const f of ['fruits.jpg', 'home.jpg']) {
    const r = await extractFeatures(path.join(samplesDir(), f), settings);
    if (!r.ok) throw new Error(r.skipped.detail);
    out.push({ ...r.features, embedding: Float32Array.from([0.6, -0.8, 0]) });
  }
  return out;
}

function comparable(f: ImageFeatures) {
  return {
    ...f,
    colour: Array.from(f.colour),
    thumb: Array.from(f.thumb),
    foreground: Array.from(f.foreground),
    embedding: f.embedding && Array.from(f.embedding),
  };
}

async function roundTrip(db: Kysely<DB>): Promise<void> {
  const feats = await sampleFeatures();
  const entries = feats.map((f, i) => ({ path: f.path, size: 1000 + i, mtimeMs: 1_700_000_000_123.5 + i }));
  await upsertCacheRows(
    db,
    feats.map((f, i) => toCacheRow(entries[i], f, key, `hash${i}`)),
  );
  // Upserting again (same keys, new mtime) replaces rather than duplicates; a file modified in place
  // (here: path 1 now holds picture 0) reads back as its new features in every column.
  await upsertCacheRows(db, [
    toCacheRow({ ...entries[1], mtimeMs: 5 }, { ...feats[0], path: feats[1].path }, key),
  ]);
  const replaced = await readCachedRows(db, [feats[1].path]);
  expect(comparable(fromCacheRow(replaced.get(feats[1].path)!))).toEqual(
    comparable({ ...feats[0], path: feats[1].path }),
  );
  await upsertCacheRows(db, [toCacheRow({ ...entries[1], mtimeMs: 5 }, feats[1], key)]);
  const rows = await readCachedRows(db, [...feats.map((f) => f.path), '/not/cached.jpg']);
  expect(rows.size).toBe(2);
  const first = rows.get(feats[0].path)!;
  expect(comparable(fromCacheRow(first))).toEqual(comparable(feats[0]));
  expect(isFresh(first, entries[0], key, 'hash0')).toBe(true);
  expect(isFresh(first, { ...entries[0], size: 1 }, key)).toBe(false);
  expect(isFresh(first, entries[0], 'other-settings')).toBe(false);
  expect(isFresh(first, entries[0], key, 'changed-content')).toBe(false);
  const second = rows.get(feats[1].path)!;
  expect(second.mtime_ms).toBe(5);
  expect(isFresh(second, entries[1], key)).toBe(false);

  // The digest survives the round trip (jsonb reorders the variants' keys; the digest must not care).
  expect(first.feature_digest).toBe(featureDigest(feats[0]));
  expect(featureDigest(fromCacheRow(first))).toBe(first.feature_digest);
  expect(featureDigest(feats[0])).not.toBe(featureDigest(feats[1]));

  // The light read has everything but the kilobytes, and gives the same summary as the full record.
  const light = await readCacheIndex(db, [feats[0].path, '/not/cached.jpg']);
  expect(light.size).toBe(1);
  const row = light.get(feats[0].path)!;
  expect(row).not.toHaveProperty('thumb');
  expect(row).not.toHaveProperty('colour');
  expect(isFresh(row, entries[0], key, 'hash0')).toBe(true);
  expect(summaryFromIndexRow({ ...row, feature_digest: row.feature_digest! })).toEqual(summaryOf(feats[0]));

  // The colour read gives the exact signatures (bit for bit: verification scores must not change).
  const colours = await readCachedColours(db, [...feats.map((f) => f.path), '/not/cached.jpg']);
  expect([...colours.keys()].sort()).toEqual(feats.map((f) => f.path).sort());
  for (const f of feats) expect(colours.get(f.path)).toEqual(f.colour);

  // Rows from before digests existed get theirs filled in.
  await db.updateTable('dedup_features').set({ feature_digest: null }).execute();
  await setFeatureDigests(db, [{ path: feats[1].path, digest: 'd1' }]);
  const after = await readCacheIndex(
    db,
    feats.map((f) => f.path),
  );
  expect(after.get(feats[0].path)!.feature_digest).toBeNull();
  expect(after.get(feats[1].path)!.feature_digest).toBe('d1');
}

describe('feature cache rows', () => {
  test('float serialisation round-trips at any byte offset', () => {
    const v = Float32Array.from([1.5, -2.25, 3e-8]);
    const bytes = floatsToBytes(v);
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    expect(Array.from(bytesToFloats(shifted.subarray(3)))).toEqual(Array.from(v));
    expect(() => bytesToFloats(new Uint8Array(5))).toThrow(/multiple of 4/);
  });

  test('the feature digest changes with anything a verification reads, and only with that', async () => {
    const [f] = await sampleFeatures();
    const d = featureDigest(f);
    const thumb = Uint8Array.from(f.thumb);
    thumb[5] ^= 1;
    const colour = Float32Array.from(f.colour);
    colour[3] += 1e-6;
    const variants = f.variants.map((v, i) => (i === 2 ? { ...v, dhash: '0000000000000000' } : v));
    const foreground = Uint8Array.from(f.foreground);
    foreground[100] ^= 1;
    for (const changed of [
      { ...f, thumb },
      { ...f, foreground },
      { ...f, colour },
      { ...f, variants },
      { ...f, hashes: { ...f.hashes, phash: 'ffffffffffffffff' } },
      { ...f, embedding: Float32Array.from([0.6, -0.8, 0.01]) },
      { ...f, embedding: undefined },
    ])
      expect(featureDigest(changed)).not.toBe(d);
    // Path, dimensions and format do not change a verification.
    expect(featureDigest({ ...f, path: '/elsewhere.png', width: 1, height: 2, format: 'png' })).toBe(d);
    expect(
      featureDigest({ ...f, thumb: Uint8Array.from(f.thumb), colour: Float32Array.from(f.colour) }),
    ).toBe(d);
  });

  test('settings key changes with settings that change features', () => {
    expect(featureSettingsKey(featureSettingsSchema.parse({}))).not.toBe(key);
    expect(featureSettingsKey(featureSettingsSchema.parse({ variants: true, limitInputPixels: 5 }))).toBe(
      key,
    );
  });

  test('round trip through PGlite after the registered migrations', async () => {
    const database: Database = await openDatabase({ dataDir: ':memory:' });
    try {
      await database.migrate();
      await roundTrip(database.db);
    } finally {
      await database.close();
    }
  }, 60_000);

  test('round trip through PostgreSQL (own schema)', async () => {
    const schema = `dedup_cache_test_${process.pid}`;
    const admin = new Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/test', max: 1 });
    await admin.query(`create schema if not exists ${schema}`);
    const pool = new Pool({
      connectionString: 'postgres://postgres@127.0.0.1:5432/test',
      max: 2,
      options: `-c search_path=${schema}`,
    });
    const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
    try {
      await m0003.up(db);
      await m0005.up(db);
      await m0007.up(db);
      await roundTrip(db);
      await m0007.down(db);
      await m0005.down(db);
      await m0003.down(db);
    } finally {
      await db.destroy();
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  }, 60_000);
});
