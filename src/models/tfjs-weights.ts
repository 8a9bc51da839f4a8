/**
 * Reads tfjs "weights_manifest.json + .bin" files (the layout @vladmandic/face-api ships) into named
 * float32 tensors, dequantising uint8/uint16/float16 weights exactly as tfjs-core's io.decodeWeights does.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';

/** One weight as tfjs describes it in a manifest. */
export interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; scale?: number; min?: number };
}

/** One group of a tfjs weights manifest: its shard files and the weights packed in them, in order. */
export interface ManifestGroup {
  paths: string[];
  weights: ManifestWeight[];
}

/** A named float32 tensor in tfjs layout (conv filters are [h, w, in, out]). */
export interface WeightTensor {
  shape: number[];
  data: Float32Array;
}

/** Weights by tfjs name. */
export type WeightMap = Map<string, WeightTensor>;

const BYTES: Record<string, number> = { uint8: 1, uint16: 2, float16: 2, float32: 4, int32: 4 };

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

function decode(w: ManifestWeight, bytes: Uint8Array, file: string): Float32Array {
  const count = w.shape.reduce((a, b) => a * b, 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  const q = w.quantization;
  if (q) {
    if (q.dtype === 'float16') {
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return out;
    }
    const scale = q.scale ?? 1;
    const min = q.min ?? 0;
    for (let i = 0; i < count; i++) {
      const v = q.dtype === 'uint8' ? bytes[i] : view.getUint16(i * 2, true);
      out[i] = v * scale + min;
    }
    return out;
  }
  if (w.dtype === 'float32') {
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
    return out;
  }
  if (w.dtype === 'int32') {
    for (let i = 0; i < count; i++) out[i] = view.getInt32(i * 4, true);
    return out;
  }
  throw new Error(`${file}: weight ${w.name} has unsupported dtype ${w.dtype}`);
}

/**
 * Loads every weight of a tfjs manifest (`<dir>/<model>-weights_manifest.json`); the .bin shards are
 * resolved next to the manifest. Errors name the manifest and the weight concerned.
 */
export function loadTfjsWeights(manifestFile: string): WeightMap {
  let groups: ManifestGroup[];
  try {
    groups = JSON.parse(readFileSync(manifestFile, 'utf8')) as ManifestGroup[];
  } catch (err) {
    throw new Error(`cannot read tfjs weights manifest ${manifestFile}: ${(err as Error).message}`);
  }
  return decodeWeightGroups(
    groups,
    (p) => readFileSync(path.join(path.dirname(manifestFile), p)),
    manifestFile,
  );
}

/**
 * Decodes the weights of tfjs manifest groups; `shard` returns the bytes of one shard path (files next to
 * a manifest, or strings unpacked from a bundle). `file` names the source in errors.
 */
export function decodeWeightGroups(
  groups: readonly ManifestGroup[],
  shard: (shardPath: string) => Uint8Array,
  file: string,
): WeightMap {
  const map: WeightMap = new Map();
  for (const group of groups) {
    const shards = group.paths.map(shard);
    const all = shards.length === 1 ? shards[0] : Buffer.concat(shards);
    let offset = 0;
    for (const w of group.weights) {
      const count = w.shape.reduce((a, b) => a * b, 1);
      const size = count * BYTES[w.quantization?.dtype ?? w.dtype];
      if (!size && count > 0) throw new Error(`${file}: weight ${w.name} has unknown dtype`);
      if (offset + size > all.length) {
        throw new Error(`${file}: weight ${w.name} runs past the end of ${group.paths.join(', ')}`);
      }
      map.set(w.name, { shape: w.shape, data: decode(w, all.subarray(offset, offset + size), file) });
      offset += size;
    }
  }
  return map;
}

/** The weight `name`, checked to have `rank` dimensions; the error names the model file. */
export function weight(map: WeightMap, name: string, rank: number, file: string): WeightTensor {
  const w = map.get(name);
  if (!w) throw new Error(`${file}: weight ${name} missing`);
  if (w.shape.length !== rank) {
    throw new Error(`${file}: weight ${name} has shape [${w.shape.join(',')}], expected rank ${rank}`);
  }
  return w;
}
