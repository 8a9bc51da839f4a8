/**
 * Images from Debian packages that are not assets: python3-skimage's data folder (astronaut.png, camera.png
 * and more), fetched with `apt-get download` into the rxvision download cache and unpacked there on first
 * use (never installed). Used by the benches and the tests that build their own labelled data.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { downloadCacheDir } from '../../src/util/paths';

const SKIMAGE_DATA = 'usr/lib/python3/dist-packages/skimage/data';

/** Path of a file of python3-skimage's data folder (e.g. 'astronaut.png'), fetched on first use. */
export function skimageData(file: string): string {
  const cache = downloadCacheDir();
  const dir = path.join(cache, 'skimage-data');
  const out = path.join(dir, file);
  if (existsSync(out)) return out;
  const debDir = path.join(cache, 'debian');
  mkdirSync(debDir, { recursive: true });
  const findDeb = () =>
    readdirSync(debDir).find((f) => f.startsWith('python3-skimage_') && f.endsWith('.deb'));
  let deb = findDeb();
  if (!deb) {
    try {
      execFileSync('apt-get', ['download', 'python3-skimage'], { cwd: debDir, stdio: 'ignore' });
    } catch (err) {
      throw new Error(
        `apt-get download python3-skimage failed in ${debDir} (${(err as Error).message}): run apt-get update?`,
      );
    }
    deb = findDeb();
    if (!deb) throw new Error(`apt-get download python3-skimage left no .deb in ${debDir}`);
  }
  // Unpack into a temporary folder and move the data folder in one step, so a crash leaves nothing half done.
  const tmp = path.join(cache, `skimage-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    execFileSync('dpkg-deb', ['-x', path.join(debDir, deb), tmp]);
    if (!existsSync(dir)) renameSync(path.join(tmp, SKIMAGE_DATA), dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (!existsSync(out)) throw new Error(`${file} is not in python3-skimage's data folder (${deb})`);
  return out;
}
