/**
 * Stage 3c (src/kernels/features/detail.ts): copies (also slightly cropped ones of pictures that fill their
 * canvas) agree at 64x64, and a different emblem on one template does not. Real look-alikes that pass every
 * other stage (breeze folder icons, flags of one layout) are in look-alikes.test.ts.
 */
import { defaultDedupSettings } from '../../src/config/schema/dedup-settings';
import { featuresFromRaster } from '../../src/kernels/features/features';
import { resizeArea, type Raster } from '../../src/kernels/features/pixels';
import { verifyPair } from '../../src/kernels/features/verify';

const settings = defaultDedupSettings();
const SIZE = 128;
const meta = { path: 'x.png', width: SIZE, height: SIZE, format: 'png' };
const features = (r: Raster) => featuresFromRaster(r, meta, settings.features);
const without3c = { ...settings.verify, detail: { minBlock: -1 } };

/** An RGB raster on white; `paint(x, y)` gives the colour of foreground pixels (or undefined). */
function picture(
  paint: (x: number, y: number) => [number, number, number] | undefined,
  size = SIZE,
  background: [number, number, number] = [255, 255, 255],
): Raster {
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) data.set(paint(x, y) ?? background, (y * size + x) * 3);
  return { data, width: size, height: size, channels: 3 };
}

/** A folder-like icon: a blue body with a darker tab and a small white emblem (a cross or a ring). */
const folder = (emblem: 'cross' | 'ring') =>
  picture((x, y) => {
    if (x < 12 || x >= 116 || y < 24 || y >= 108)
      return y >= 16 && y < 24 && x >= 12 && x < 52 ? [40, 90, 160] : undefined;
    const [ex, ey] = [x - 64, y - 70];
    const inEmblem =
      emblem === 'cross'
        ? (Math.abs(ex) < 3 && Math.abs(ey) < 12) || (Math.abs(ey) < 3 && Math.abs(ex) < 12)
        : Math.abs(Math.hypot(ex, ey) - 9) < 3;
    return inEmblem ? [250, 250, 250] : [70, 140, 220];
  });

/** A canvas-filling texture (no plain border): diagonal stripes and rings. */
const texture = (size: number, crop = 0) =>
  picture((x, y) => {
    // Coordinates in the uncropped picture's frame, so a crop shows the same content scaled up.
    const u = crop + (x / size) * (1 - 2 * crop);
    const v = crop + (y / size) * (1 - 2 * crop);
    const r = Math.hypot(u - 0.4, v - 0.55);
    const g = 128 + 100 * Math.sin(40 * r) * Math.cos(9 * (u + v));
    return [g, 255 - g, 90 + 60 * Math.sin(13 * u)];
  }, size);

describe('detail check (stage 3c)', () => {
  test('an icon and its half-size copy still match', () => {
    const big = folder('cross');
    const half = resizeArea(big, SIZE / 2, SIZE / 2);
    // Decoded again at 128 px as the feature extractor would (the copy is upscaled to the decode size).
    const copy = resizeArea(half, SIZE, SIZE);
    expect(verifyPair(features(big), features(copy), settings.verify).pass).toBe(true);
  });

  test('a 2 % crop per side of a picture that fills its canvas still matches', () => {
    const original = features(texture(SIZE));
    const cropped = features(texture(SIZE, 0.02));
    const verdict = verifyPair(original, cropped, settings.verify);
    expect(verdict.pass).toBe(true);
    expect(verdict.scores.detail).toBeGreaterThanOrEqual(settings.verify.detail.minBlock);
  });

  test('minBlock -1 switches the stage off', () => {
    const v = verifyPair(features(folder('cross')), features(folder('cross')), without3c);
    expect(v.scores.detail).toBeUndefined();
  });

  test('a small emblem changed on one icon of a template lowers the score below that of its copy', () => {
    const copy = verifyPair(
      features(folder('cross')),
      features(resizeArea(folder('cross'), SIZE, SIZE)),
      settings.verify,
    );
    const other = verifyPair(features(folder('cross')), features(folder('ring')), {
      ...settings.verify,
      foreground: { ...settings.verify.foreground, minBlockStructure: -1, minMaskedStructure: -1 },
    });
    expect(other.scores.detail).toBeLessThan(settings.verify.detail.minBlock);
    expect(other.rejectedBy).toBe('detail');
    expect(copy.pass).toBe(true);
  });
});
