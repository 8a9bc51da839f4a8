/**
 * Fault: bad image files in a dedup collection. Corrupt, truncated, zero-byte, non-image,
 * decompression-bomb and huge-dimension files must each be reported with a reason, the job must go on
 * (the good pictures still grouped), and memory must stay bounded (peak RSS of the real process, measured
 * with /usr/bin/time -v).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { pngChunk, samplesDir, zeroPng } from '../dedup/corpus';
import { dedupArgs, runCli, tempDir, writePicture } from './dedup-cli';

/** A PNG whose header declares width x height, with a few bytes of pixel data (never decodable in full). */
function declaredPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(1024))),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A GIF header (logical screen and one image descriptor) declaring width x height. */
function declaredGif(width: number, height: number): Buffer {
  const b = Buffer.alloc(32);
  b.write('GIF89a', 0, 'ascii');
  b.writeUInt16LE(width, 6);
  b.writeUInt16LE(height, 8);
  b[10] = 0; // no global colour table
  b[13] = 0x2c; // image descriptor
  b.writeUInt16LE(width, 18);
  b.writeUInt16LE(height, 20);
  b[23] = 2; // LZW minimum code size
  b[24] = 2; // one sub-block of 2 bytes
  b[27] = 0;
  b[28] = 0x3b; // trailer
  return b;
}

/** A JPEG whose start-of-frame marker is patched to declare width x height. */
function declaredJpeg(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i < out.length - 9; i++) {
    if (out[i] === 0xff && out[i + 1] >= 0xc0 && out[i + 1] <= 0xc2) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      return out;
    }
  }
  throw new Error('no SOF marker in the sample JPEG');
}

/** The bad files of the test, by name; every one must come back skipped with a reason. */
async function makeBadImages(dir: string): Promise<string[]> {
  await fs.mkdir(dir, { recursive: true });
  const jpeg = await fs.readFile(path.join(samplesDir(), 'baboon.jpg'));
  const png = await fs.readFile(path.join(samplesDir(), 'smarties.png'));
  // A Huffman table whose code counts add up to far more than 256 codes: a decoder error. (Garbage in the
  // entropy-coded data is only a warning to libjpeg, which then shows a damaged but whole picture.)
  const corrupt = Buffer.from(jpeg);
  const dht = corrupt.indexOf(Buffer.from([0xff, 0xc4]));
  if (dht < 0) throw new Error('no DHT marker in the sample JPEG');
  corrupt.fill(0xff, dht + 5, dht + 21);
  const badCrc = Buffer.from(png);
  badCrc[30] ^= 0xff; // inside IHDR: its CRC no longer matches
  const files: Record<string, Buffer | string> = {
    'empty.jpg': Buffer.alloc(0),
    'empty.png': Buffer.alloc(0),
    'notes.png': 'this is not an image\n'.repeat(20),
    'readme.jpg': '# not a picture\n'.repeat(10),
    'page.webp': '<html><body>no</body></html>\n',
    'random.gif': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)),
    'truncated.jpg': jpeg.subarray(0, Math.floor(jpeg.length / 3)),
    'truncated.png': png.subarray(0, Math.floor(png.length / 2)),
    'header-only.jpg': jpeg.subarray(0, 160),
    'corrupt.jpg': corrupt,
    'bad-crc.png': badCrc,
    'bomb-20000.png': zeroPng(20000, 20000),
    'declares-100000.png': declaredPng(100000, 100000),
    'bomb-named.jpg': zeroPng(30000, 30000),
    'huge.gif': declaredGif(65535, 65535),
    'huge.jpg': declaredJpeg(jpeg, 65000, 65000),
  };
  for (const [name, data] of Object.entries(files)) await fs.writeFile(path.join(dir, name), data);
  return Object.keys(files).map((f) => `bad/${f}`);
}

const mib = (kb: number | undefined) => ((kb ?? 0) / 1024).toFixed(0);

describe('dedup fault: bad images', () => {
  test('every bad file is reported with a reason, the job goes on, memory stays bounded', async () => {
    const base = tempDir('bad-images');
    const root = path.join(base, 'photos');
    const bad = await makeBadImages(path.join(root, 'bad'));
    await writePicture(path.join(root, 'good/a.jpg'));
    await writePicture(path.join(root, 'good/a-half.jpg'), 'half');
    await writePicture(path.join(root, 'good/b.jpg'), 'original', 'home.jpg');
    // The same collection without its bad files: the memory a run of the good pictures alone takes.
    const goodOnly = path.join(base, 'good-only');
    await fs.cp(path.join(root, 'good'), path.join(goodOnly, 'good'), { recursive: true });
    const baseline = await runCli(dedupArgs(goodOnly, path.join(base, 'report-good')), { measure: true });
    expect(baseline.code).toBe(0);
    const out = path.join(base, 'report');
    const run = await runCli(dedupArgs(root, out), { measure: true });
    expect(run.code).toBe(0);
    const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8')) as {
      groups: { members: { path: string }[] }[];
      skipped: { path: string; reason: string; detail: string }[];
    };
    const skipped = new Map(report.skipped.map((s) => [s.path, s]));
    const reported = bad.filter((f) => skipped.get(f)?.reason && skipped.get(f)?.detail);
    console.log(
      `bad images: ${reported.length}/${bad.length} reported; peak RSS ${mib(run.maxRssKb)} MiB ` +
        `(good pictures alone: ${mib(baseline.maxRssKb)} MiB)\n` +
        report.skipped.map((s) => `  ${s.path}: ${s.reason}`).join('\n'),
    );
    expect(reported).toEqual(bad);
    expect(report.skipped.filter((s) => !s.path.startsWith('bad/'))).toEqual([]);
    // The job went on: the good near-duplicate pair is still found.
    expect(report.groups.map((g) => g.members.map((m) => m.path).sort())).toEqual([
      ['good/a-half.jpg', 'good/a.jpg'],
    ]);
    // Bombs are refused from their headers (decoding the 20000x20000 one alone would take 1.2 GB, the
    // 100000x100000 one 30 GB): the bad files add at most 128 MiB to the peak.
    expect(run.maxRssKb).toBeDefined();
    expect(run.maxRssKb! - baseline.maxRssKb!).toBeLessThan(128 * 1024);
  }, 300_000);
});
