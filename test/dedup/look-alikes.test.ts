/**
 * Precision on look-alikes: different objects on one plain white background (clip art from Debian's
 * openclipart-svg, same-template folder icons from breeze-icon-theme), each with a resized JPEG copy.
 * `pipeline dedup` must group exactly the true copies: the white background dominates hashes, colour
 * signatures and a whole-image SSIM, so without the foreground stage these fell into one group.
 */
import { existsSync, mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { runCliQuietly } from '../helpers/cli';

const FRUIT = '/usr/share/openclipart/svg/food/fruit';
const FOLDERS = '/usr/share/icons/breeze/places/64';
const FLAGS = '/usr/share/openclipart/svg/signs_and_symbols/flags';
/** Same-artist drawings (lemon/lime by one hand) and same-template icons are the hardest pairs. */
const SOURCES = [
  ...['banana', 'cherries', 'grapes_01', 'lemon', 'orange', 'pear', 'apple', 'peach_simple'].map((n) =>
    path.join(FRUIT, `${n}.svg`),
  ),
  ...['lemon_whole_ganson', 'lime_whole_ganson', 'lemon_half_ganson', 'lime_half_ganson'].map((n) =>
    path.join(FRUIT, `${n}.svg`),
  ),
  // folder-pictures and folder-book, and these two flags of one layout, pass every stage up to 3b (their
  // emblems are a few pixels at 32x32): stage 3c (detail at 64x64) tells them apart.
  ...['folder-music', 'folder-videos', 'folder-download', 'folder-pictures', 'folder-book'].map((n) =>
    path.join(FOLDERS, `${n}.svg`),
  ),
  path.join(FLAGS, 'africa/congo_kinshasa.svg'),
  path.join(FLAGS, 'europe/spain/spain_murcia.svg'),
];

const cli = runCliQuietly;

describe('pipeline dedup on look-alike pictures', () => {
  let base: string;
  let root: string;

  beforeAll(async () => {
    // Packages listed in scripts/test.sh: a missing one is a failure, not a skip.
    for (const f of SOURCES)
      if (!existsSync(f)) throw new Error(`${f} missing: install openclipart-svg and breeze-icon-theme`);
    base = mkdtempSync(path.join(os.tmpdir(), 'dedup-lookalike-'));
    root = path.join(base, 'pictures');
    await fs.mkdir(path.join(root, 'copies'), { recursive: true });
    for (const f of SOURCES) {
      const name = path.parse(f).name;
      const png = await sharp(f, { density: 144 })
        .resize(400, 400, { fit: 'inside' })
        .flatten({ background: '#ffffff' })
        .png()
        .toBuffer();
      await fs.writeFile(path.join(root, `${name}.png`), png);
      await sharp(png)
        .resize(200)
        .jpeg({ quality: 85 })
        .toFile(path.join(root, 'copies', `${name}.jpg`));
    }
  }, 120_000);

  test('groups each picture with its resized copy and nothing else', async () => {
    const out = path.join(base, 'report');
    expect(await cli(['dedup', root, '--out', out, '--data-dir', ':memory:', '--json'])).toBe(0);
    const report = JSON.parse(await fs.readFile(path.join(out, 'report.json'), 'utf8')) as {
      groups: { members: { path: string }[] }[];
    };
    const groups = report.groups.map((g) => g.members.map((m) => m.path).sort());
    const expected = SOURCES.map((f) => path.parse(f).name)
      .map((n) => [`copies/${n}.jpg`, `${n}.png`].sort())
      .sort((a, b) => a.join().localeCompare(b.join()));
    expect(groups.sort((a, b) => a.join().localeCompare(b.join()))).toEqual(expected);
  }, 180_000);
});
