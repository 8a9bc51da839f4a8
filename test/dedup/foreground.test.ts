import { defaultDedupSettings } from '../../src/config/schema/dedup-settings';
import { decodeForeground, foregroundCheck, foregroundOf } from '../../src/kernels/features/foreground';
import { dHash, wHash } from '../../src/kernels/features/hashes';
import type { Raster } from '../../src/kernels/features/pixels';

const settings = defaultDedupSettings();
const SIZE = 128;

/** An RGB raster on white with `paint(x, y)` giving the colour of foreground pixels (or undefined). */
function picture(paint: (x: number, y: number) => [number, number, number] | undefined): Raster {
  const data = new Float32Array(SIZE * SIZE * 3).fill(255);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const c = paint(x, y);
      if (c) data.set(c, (y * SIZE + x) * 3);
    }
  return { data, width: SIZE, height: SIZE, channels: 3 };
}

/** A disc with a darker stripe pattern (some texture for SSIM). */
const disc = (cx: number, cy: number, r: number) =>
  picture((x, y) =>
    (x - cx) ** 2 + (y - cy) ** 2 < r * r
      ? Math.floor(y / 6) % 2
        ? [200, 40, 40]
        : [120, 20, 20]
      : undefined,
  );
/** A bar (different shape, same colours). */
const bar = picture((x, y) =>
  x > 20 && x < 108 && y > 50 && y < 78 ? (Math.floor(y / 6) % 2 ? [200, 40, 40] : [120, 20, 20]) : undefined,
);

describe('foreground records', () => {
  const fg = (r: Raster) => foregroundOf(r, settings.features.foreground);

  test('finds the plain border and the content box of a picture on white', () => {
    const d = decodeForeground(fg(disc(64, 64, 30)));
    expect(d.plain).toBe(true);
    // The box frame's mask is mostly foreground; the full frame's much less so.
    const share = (m: Uint8Array) => m.reduce((s, v) => s + v, 0) / (255 * m.length);
    expect(share(d.box.mask)).toBeGreaterThan(0.7);
    expect(share(d.full.mask)).toBeLessThan(0.3);
  });

  test('different objects on one white background do not match; a moved copy does', () => {
    const v = settings.verify.foreground;
    expect(foregroundCheck(fg(disc(64, 64, 30)), fg(bar), v)?.pass).toBe(false);
    // Same disc, shifted on its canvas by one stripe period (as a crop or padding change would): the content boxes agree.
    expect(foregroundCheck(fg(disc(64, 64, 30)), fg(disc(52, 76, 30)), v)?.pass).toBe(true);
  });

  test('is not applied when neither picture has a plain border', () => {
    const noise = (seed: number) => {
      const data = new Float32Array(SIZE * SIZE * 3);
      let s = seed;
      for (let i = 0; i < data.length; i++) data[i] = ((s = (s * 1103515245 + 12345) >>> 0) >>> 24) & 255;
      return { data, width: SIZE, height: SIZE, channels: 3 };
    };
    expect(foregroundCheck(fg(noise(1)), fg(noise(2)), settings.verify.foreground)).toBeUndefined();
  });
});

describe('hashes on flat areas', () => {
  test('sub-grey-level noise on a white background does not change dHash or wHash', () => {
    const clean = toGreyDisc(0);
    const noisy = toGreyDisc(0.4);
    expect(dHash(noisy)).toBe(dHash(clean));
    expect(wHash(noisy)).toBe(wHash(clean));
  });
});

/** A grey disc on white; `noise` adds +-noise grey levels to every background pixel. */
function toGreyDisc(noise: number): Raster {
  const data = new Float32Array(SIZE * SIZE);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) {
      const inside = (x - 40) ** 2 + (y - 50) ** 2 < 400;
      data[y * SIZE + x] = inside ? 60 : 254.5 + ((x * 7 + y * 13) % 3 === 0 ? noise : -noise);
    }
  return { data, width: SIZE, height: SIZE, channels: 1 };
}
