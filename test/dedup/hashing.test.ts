import fc from 'fast-check';
import { chiSquare, histogramIntersection, hsvHistogram, rgbToHsv } from '../../src/kernels/features/colour';
import {
  bitsToHex,
  formatHash,
  hammingHex,
  hexToBigInt,
  parseHash,
  popcount32,
} from '../../src/kernels/features/hamming';
import { dHash, haarLL, pHash, wHash } from '../../src/kernels/features/hashes';
import {
  median,
  rasterFromBytes,
  resizeArea,
  transformRaster,
  type Raster,
} from '../../src/kernels/features/pixels';
import { ssim } from '../../src/kernels/features/ssim';

function gradient(w: number, h: number, f: (x: number, y: number) => number): Raster {
  const bytes = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) bytes[y * w + x] = f(x, y);
  return rasterFromBytes(bytes, w, h, 1);
}

describe('hamming helpers', () => {
  test('popcount32 matches a bit-by-bit count', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (x) => {
        let n = 0;
        for (let i = 0; i < 32; i++) n += Math.floor(x / 2 ** i) % 2;
        expect(popcount32(x)).toBe(n);
      }),
    );
  });

  test('hex distance equals bigint xor popcount', () => {
    const hex = fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((b) => b.toString(16).padStart(16, '0'));
    fc.assert(
      fc.property(hex, hex, (a, b) => {
        const x = hexToBigInt(a) ^ hexToBigInt(b);
        expect(hammingHex(a, b)).toBe(
          x
            .toString(2)
            .split('')
            .filter((c) => c === '1').length,
        );
        expect(formatHash(parseHash(a))).toBe(a);
      }),
    );
  });

  test('bitsToHex puts the first bit in the most significant position', () => {
    const bits = Array.from({ length: 64 }, (_, i) => i === 0 || i === 63);
    expect(bitsToHex(bits)).toBe('8000000000000001');
    expect(() => parseHash('xyz')).toThrow(/xyz/);
  });
});

describe('pixels', () => {
  test('rasterFromBytes widens every byte to its own float copy and checks the size', () => {
    const bytes = Uint8Array.from({ length: 2 * 3 * 3 }, (_, i) => (i * 37) % 256);
    const raster = rasterFromBytes(bytes, 2, 3, 3);
    expect(raster.data).toBeInstanceOf(Float32Array);
    expect(Array.from(raster.data)).toEqual(Array.from(bytes));
    bytes[0] = 255;
    expect(raster.data[0]).toBe(0);
    expect(() => rasterFromBytes(bytes, 3, 3, 3)).toThrow(/size mismatch/);
  });

  test('area resize by an integer factor is the block mean', () => {
    const src = gradient(4, 4, (x, y) => x * 10 + y);
    const out = resizeArea(src, 2, 2);
    expect(Array.from(out.data)).toEqual([5.5, 25.5, 7.5, 27.5]);
  });

  test('area resize preserves the mean for fractional factors', () => {
    const src = gradient(13, 7, (x, y) => (x * 31 + y * 17) % 256);
    const mean = (r: Raster) => r.data.reduce((s, v) => s + v, 0) / r.data.length;
    expect(mean(resizeArea(src, 9, 8))).toBeCloseTo(mean(src), 3);
  });

  test('rotations compose: four quarter turns are the identity, rot90 then rot270 too', () => {
    const src = gradient(5, 3, (x, y) => x * 3 + y);
    const r4 = ['rot90', 'rot90', 'rot90', 'rot90'].reduce((r, t) => transformRaster(r, t as 'rot90'), src);
    expect(Array.from(r4.data)).toEqual(Array.from(src.data));
    const r = transformRaster(transformRaster(src, 'rot90'), 'rot270');
    expect(Array.from(r.data)).toEqual(Array.from(src.data));
    expect(transformRaster(src, 'rot90').width).toBe(3);
    const flipThenRot = transformRaster(transformRaster(src, 'rot90'), 'flipH');
    expect(Array.from(transformRaster(src, 'transpose').data)).toEqual(Array.from(flipThenRot.data));
    const t2 = transformRaster(transformRaster(src, 'transverse'), 'transverse');
    expect(Array.from(t2.data)).toEqual(Array.from(src.data));
  });

  test('median of even and odd lengths', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });
});

describe('perceptual hashes', () => {
  const base = gradient(128, 96, (x, y) => (Math.sin(x / 9) * 60 + Math.cos(y / 7) * 60 + 128) | 0);

  test('dHash of a left-to-right ramp is all ones, of a right-to-left ramp all zeros', () => {
    expect(dHash(gradient(90, 80, (x) => x * 2))).toBe('ffffffffffffffff');
    expect(dHash(gradient(90, 80, (x) => 200 - x * 2))).toBe('0000000000000000');
  });

  test('hashes are stable under resizing and differ under a flip', () => {
    const small = resizeArea(base, 64, 48);
    for (const h of [wHash, pHash, dHash]) {
      expect(hammingHex(h(base), h(small))).toBeLessThanOrEqual(4);
      expect(hammingHex(h(base), h(transformRaster(base, 'flipH')))).toBeGreaterThan(10);
    }
  });

  test('wHash bits split at the median: about half are set', () => {
    const ones = hexToBigInt(wHash(base))
      .toString(2)
      .split('')
      .filter((c) => c === '1').length;
    expect(ones).toBeGreaterThanOrEqual(24);
    expect(ones).toBeLessThanOrEqual(40);
  });

  test('haarLL of a constant image keeps the orthonormal scaling (x2 per level)', () => {
    const out = haarLL(new Float64Array(16).fill(1), 4);
    expect(Array.from(out)).toEqual([2, 2, 2, 2]);
  });
});

describe('colour and structure', () => {
  test('rgbToHsv of primaries', () => {
    expect(rgbToHsv(255, 0, 0)).toEqual([0, 1, 1]);
    expect(rgbToHsv(0, 255, 0)[0]).toBeCloseTo(1 / 3);
    expect(rgbToHsv(0, 0, 255)[0]).toBeCloseTo(2 / 3);
    expect(rgbToHsv(0, 0, 0)).toEqual([0, 0, 0]);
  });

  test('histogram is normalised; intersection 1 with itself, low for other colours', () => {
    const solid = (r: number, g: number, b: number) =>
      rasterFromBytes(
        new Uint8Array(16 * 3).map((_, i) => [r, g, b][i % 3]),
        4,
        4,
        3,
      );
    const red = hsvHistogram(solid(230, 20, 20));
    const blue = hsvHistogram(solid(20, 20, 230));
    expect(red.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
    expect(histogramIntersection(red, red)).toBeCloseTo(1, 5);
    expect(histogramIntersection(red, blue)).toBeLessThan(0.05);
    expect(chiSquare(red, red)).toBe(0);
    expect(chiSquare(red, blue)).toBeGreaterThan(1.5);
  });

  test('ssim is 1 for identical thumbnails and drops with noise and for unrelated content', () => {
    const a = Uint8Array.from({ length: 32 * 32 }, (_, i) => ((i % 32) * 8) ^ (Math.floor(i / 32) * 4));
    const noisy = a.map((v, i) => Math.max(0, Math.min(255, v + ((i * 7919) % 41) - 20)));
    const other = Uint8Array.from({ length: 32 * 32 }, (_, i) => (i * 2654435761) % 256);
    expect(ssim(a, a, 32)).toBeCloseTo(1, 10);
    const sNoisy = ssim(a, noisy, 32);
    expect(sNoisy).toBeLessThan(1);
    expect(sNoisy).toBeGreaterThan(ssim(a, other, 32));
    expect(() => ssim(a, a.subarray(1), 32)).toThrow(/32x32/);
  });
});
