/**
 * Hard-copy dedup benchmark (issue 16): the hard variant of the labelled collection
 * (bench/lib/dedup-hard.ts: flipped, rotated 3-10 degrees, greyscale, 70 % crop and combined copies of
 * each picture), report split. Runs `pipeline dedup --deep` (MobileNetV2 embedding candidates), plain
 * `pipeline dedup`, and Debian's `findimagedupes` on the same folder in the same run: hard-copy recall
 * per transform, pairwise precision overall, wrong groups, images/s and peak RSS.
 *
 * Run alone: `node dist/bench/dedup-hard.js [--split report|tune] [--no-findimagedupes] [--json]`.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildCollection, collectionDir, splitFolder, type Split } from './lib/dedup-collection';
import { buildHardCollection } from './lib/dedup-hard';
import { ensureFindimagedupes, runFindimagedupes, runRxvision, score } from './dedup-eval';

export interface HardEvalOptions {
  split?: Split;
  findimagedupes?: boolean;
}

/** Builds (or reuses) the hard variant and runs the tools on one split (default: report). */
export async function run(opts: HardEvalOptions = {}) {
  const split = opts.split ?? 'report';
  const hardDir = path.join(collectionDir(), 'hard');
  const hard = await buildHardCollection(await buildCollection(), hardDir);
  const { root, items } = await splitFolder(hard, split, hardDir);
  const work = await fs.mkdtemp(path.join(os.tmpdir(), 'dedup-hard-'));
  const results: Record<string, unknown> = {
    collection: {
      variant: 'hard',
      split,
      images: items.length,
      pictures: new Set(items.map((i) => i.label)).size,
      cores: os.cpus().length,
      loadavg: os.loadavg().map((l) => +l.toFixed(1)),
    },
  };
  const summarise = (name: string, r: { groups: string[][]; ms: number; peakRssMb: number }) => {
    const s = score(items, r.groups);
    results[name] = {
      imagesPerSec: +(items.length / (r.ms / 1000)).toFixed(1),
      seconds: +(r.ms / 1000).toFixed(1),
      peakRssMb: r.peakRssMb,
      precision: +s.precision.toFixed(4),
      recall: +s.recall.toFixed(3),
      falsePairs: s.falsePairs,
      wrongGroups: s.wrongGroups,
      wrongGroupLabels: s.wrongGroupLabels,
      recallByTransform: Object.fromEntries(
        Object.entries(s.recallByTransform).map(([t, v]) => [t, v.recall]),
      ),
    };
  };
  try {
    summarise('rxvision --deep', runRxvision(root, path.join(work, 'deep'), { extraArgs: ['--deep'] }));
    summarise('rxvision', runRxvision(root, path.join(work, 'plain')));
    if (opts.findimagedupes !== false) {
      ensureFindimagedupes();
      summarise('findimagedupes', runFindimagedupes(root));
    }
  } finally {
    await fs.rm(work, { recursive: true, force: true });
  }
  return results;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const s = argv.indexOf('--split');
  run({
    split: s >= 0 ? (argv[s + 1] as Split) : undefined,
    findimagedupes: !argv.includes('--no-findimagedupes'),
  }).then(
    (r) => process.stdout.write(`${JSON.stringify(r, null, 1)}\n`),
    (err) => {
      console.error(err);
      process.exitCode = 1;
    },
  );
}
