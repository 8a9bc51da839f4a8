/**
 * Bad images in an image-folder channel: corrupt, truncated, zero-byte, non-image, a decompression bomb
 * and a picture over the pixel limit, between good frames. Each is reported with a typed reason (log,
 * counter, `onSkip`), never decoded past its header when too large, and the channel goes on with the
 * good frames. Decoding runs in the `hash` worker pool (dist/workers/hash.js), not on the main thread.
 */
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { SkippedFile } from '../../src/kernels/features/types';
import { metricsRegistry } from '../../src/metrics/registry';
import { readFrames } from '../../src/pipelines/camera/sources/frame-source';
import { hashPool } from '../../src/pools/kinds';
import { closeAllPools } from '../../src/pools/registry';
import { makeBadFiles, zeroPng } from '../dedup/corpus';

const LIMIT = 1_000_000;

async function goodPng(file: string, width: number, height: number, shade: number): Promise<void> {
  await sharp({ create: { width, height, channels: 3, background: { r: shade, g: 0, b: 255 - shade } } })
    .png()
    .toFile(file);
}

/** A PNG whose pixel data fails its checksum (a bit flipped inside IDAT). */
async function corruptPng(file: string): Promise<void> {
  const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#808080' } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  const idat = png.indexOf('IDAT');
  png[idat + 40] ^= 0xff;
  await fs.writeFile(file, png);
}

describe('an image-folder channel fed bad images', () => {
  afterAll(() => closeAllPools());

  it('reports every bad image with its reason and goes on with the good ones', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-faults-images-'));
    // Names sort the bad files between the good ones (and one before the first good frame).
    await goodPng(path.join(dir, '02-good.png'), 64, 48, 10);
    await goodPng(path.join(dir, '05-good.png'), 128, 96, 120); // other size: resized to the first
    await goodPng(path.join(dir, '09-good.png'), 64, 48, 240);
    const bad = await makeBadFiles(path.join(dir, 'bad'));
    const expected: Record<string, string> = {
      '01-empty.jpg': 'empty-file',
      '03-notes.png': 'not-an-image',
      '04-truncated.jpg': 'corrupt',
      '06-bomb.png': 'too-many-pixels',
      '07-corrupt.png': 'corrupt',
      '08-huge.png': 'too-many-pixels',
    };
    await fs.rename(bad.empty, path.join(dir, '01-empty.jpg'));
    await fs.rename(bad.text, path.join(dir, '03-notes.png'));
    await fs.rename(bad.truncated, path.join(dir, '04-truncated.jpg'));
    await fs.writeFile(path.join(dir, '06-bomb.png'), zeroPng(30000, 30000)); // 900 Mpx, ~0.9 MB on disk
    await corruptPng(path.join(dir, '07-corrupt.png'));
    await goodPng(path.join(dir, '08-huge.png'), 1250, 1000, 50); // 1.25 Mpx, over this channel's limit

    const skipped: SkippedFile[] = [];
    const rssBefore = process.memoryUsage().rss;
    const frames = [];
    for await (const frame of readFrames({
      channel: 'imgs',
      source: dir,
      pace: 'asap',
      images: { maxPixels: LIMIT, onSkip: (s) => skipped.push(s) },
    })) {
      frames.push({ width: frame.width, height: frame.height, bytes: frame.data?.length });
    }
    const rssGrowthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;

    expect(frames).toEqual(Array.from({ length: 3 }, () => ({ width: 64, height: 48, bytes: 64 * 48 * 3 })));
    expect(Object.fromEntries(skipped.map((s) => [path.basename(s.path), s.reason]))).toEqual(expected);
    for (const s of skipped) expect(s.detail).toContain(s.path); // the reason names the file
    expect(skipped.find((s) => s.path.endsWith('06-bomb.png'))!.detail).toMatch(
      /exceeds (the )?pixel limit.*1000000/,
    );
    // The bomb was refused from its header: nothing near its 2.7 GB of BGR was ever allocated.
    expect(rssGrowthMb).toBeLessThan(256);
    // Decoded in the hash workers, not here.
    expect(hashPool().stats().completed).toBeGreaterThanOrEqual(9);
    const metrics = await metricsRegistry.metrics();
    expect(metrics).toContain(
      'rxvision_image_source_skipped_total{channel="imgs",reason="too-many-pixels"} 2',
    );
    expect(metrics).toContain('rxvision_image_source_skipped_total{channel="imgs",reason="corrupt"} 2');
    console.log(`image-inputs: 3 frames, ${skipped.length} skipped, RSS growth ${rssGrowthMb.toFixed(1)} MB`);
  });

  it('skips an image whose decode fails in the pool (worker died or hung) and goes on', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-faults-images-'));
    for (const n of [1, 2, 3]) await goodPng(path.join(dir, `${n}.png`), 32, 32, n * 50);
    const skipped: SkippedFile[] = [];
    let calls = 0;
    const frames = [];
    for await (const frame of readFrames({
      channel: 'imgs-dying',
      source: dir,
      pace: 'asap',
      images: {
        onSkip: (s) => skipped.push(s),
        decode: (file, options) => {
          if (++calls === 2) return Promise.reject(new Error(`pool hash: worker died on ${file}`));
          return hashPool().run('decodeFrame', [file, options]);
        },
      },
    })) {
      frames.push(frame.seq);
    }
    expect(frames).toEqual([0, 1]);
    expect(skipped).toEqual([
      { path: path.join(dir, '2.png'), reason: 'corrupt', detail: expect.stringMatching(/worker died/) },
    ]);
  });
});
