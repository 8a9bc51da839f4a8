/**
 * @jest-environment ./test/fixtures/onnx/ort-environment.ts
 *
 * `pipeline dedup --deep` end to end with the real MobileNetV2 (asset `mobilenet`): mirrored and greyscale
 * copies of real photos, which the hash stages miss, are grouped with their originals by the embedding
 * candidates stage; different photos stay apart.
 */
import { mkdtempSync, promises as fs, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { assetPath } from '../../src/assets';
import { runCliQuietly } from '../helpers/cli';

jest.setTimeout(300_000);

const cli = runCliQuietly;

function groupsOf(out: string): string[][] {
  const report = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as {
    groups: { members: { path: string }[] }[];
  };
  return report.groups.map((g) => g.members.map((m) => m.path).sort()).sort();
}

let base: string;
let root: string;

beforeAll(async () => {
  base = mkdtempSync(path.join(os.tmpdir(), 'dedup-deep-'));
  root = path.join(base, 'pictures');
  await fs.mkdir(root);
  for (const name of ['fruits.jpg', 'baboon.jpg', 'messi5.jpg'])
    await fs.copyFile(assetPath('samples', name), path.join(root, name));
  await sharp(path.join(root, 'fruits.jpg')).flop().toFile(path.join(root, 'fruits-flip.jpg'));
  await sharp(path.join(root, 'fruits.jpg')).greyscale().toFile(path.join(root, 'fruits-grey.jpg'));
  await sharp(path.join(root, 'baboon.jpg'))
    .flop()
    .greyscale()
    .toFile(path.join(root, 'baboon-flipgrey.jpg'));
});

afterAll(() => rmSync(base, { recursive: true, force: true }));

test('--deep groups flipped and greyscale copies with their originals; the defaults do not', async () => {
  const deep = path.join(base, 'deep');
  expect(await cli(['dedup', root, '--out', deep, '--deep', '--no-cache', '--no-progress'])).toBe(0);
  expect(groupsOf(deep)).toEqual([
    ['baboon-flipgrey.jpg', 'baboon.jpg'],
    ['fruits-flip.jpg', 'fruits-grey.jpg', 'fruits.jpg'],
  ]);
  const plain = path.join(base, 'plain');
  expect(await cli(['dedup', root, '--out', plain, '--no-cache', '--no-progress'])).toBe(0);
  expect(groupsOf(plain)).toEqual([]);
});
