import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { findNearDuplicates } from '../../src/pipelines/dedup/detect';
import { extractFeatures } from '../../src/kernels/features/features';
import { buildReport, type GroupInput } from '../../src/pipelines/dedup/report/model';
import { renderCsvReport } from '../../src/pipelines/dedup/report/csv';
import { renderHtmlReport } from '../../src/pipelines/dedup/report/html';
import { renderJsonReport } from '../../src/pipelines/dedup/report/json';
import { scanImages } from '../../src/pipelines/dedup/scan';
import { defaultDedupSettings } from '../../src/config/schema/dedup-settings';
import type { ImageFeatures, ScanEntry, SkippedFile } from '../../src/kernels/features/types';
import { makeBadFiles, makeCorpus, ORIGINALS, samplesDir, TRANSFORMS, type CorpusFile } from './corpus';

const settings = defaultDedupSettings();

async function featuresOf(files: readonly { path: string }[], options = settings.features) {
  const features: ImageFeatures[] = [];
  const skipped: SkippedFile[] = [];
  for (const f of files) {
    const r = await extractFeatures(f.path, options);
    if (r.ok) features.push(r.features);
    else skipped.push(r.skipped);
  }
  return { features, skipped };
}

describe('near-duplicate detection on a labelled corpus of real images', () => {
  let root: string;
  let corpus: CorpusFile[];
  let bad: Record<string, string>;
  let scanned: ScanEntry[];
  let features: ImageFeatures[];
  let skipped: SkippedFile[];

  beforeAll(async () => {
    root = mkdtempSync(path.join(os.tmpdir(), 'dedup-corpus-'));
    corpus = await makeCorpus(root);
    bad = await makeBadFiles(path.join(root, 'bad'));
    scanned = [];
    for await (const r of scanImages(root)) if (r.kind === 'file') scanned.push(r);
    ({ features, skipped } = await featuresOf(scanned));
  }, 300_000);

  test('every file is scanned; bad files are skipped with typed reasons', () => {
    expect(scanned).toHaveLength(corpus.length + Object.keys(bad).length);
    const reasons = Object.fromEntries(skipped.map((s) => [s.path, s.reason]));
    expect(reasons).toEqual({
      [bad.empty]: 'empty-file',
      [bad.text]: 'not-an-image',
      [bad.truncated]: 'corrupt',
      [bad.bomb]: 'too-many-pixels',
    });
    expect(features).toHaveLength(corpus.length);
  });

  test('each original is grouped with its transformed copies (crops: at least 90 %) and with nothing else', () => {
    const { groups, stats } = findNearDuplicates(features, settings.verify, settings.grouping);
    const labelOf = new Map(corpus.map((c) => [c.path, c.label]));
    const groupLabels = groups.map((g) => new Set(g.members.map((i) => labelOf.get(features[i].path))));
    expect(groupLabels.filter((s) => s.size > 1)).toEqual([]); // no two different originals together
    // A 4 % crop into a picture on a plain background can fail the foreground stage (stage 3b compares
    // the content boxes, which a crop through the subject shifts): a missed copy, never a wrong group.
    const isCrop = (p: string) => p.includes(`${path.sep}crop${path.sep}`);
    let crops = 0;
    let cropsFound = 0;
    for (const name of ORIGINALS) {
      const label = path.parse(name).name;
      const expected = corpus.filter((c) => c.label === label).map((c) => c.path);
      const group = groups.find((g) => g.members.some((i) => labelOf.get(features[i].path) === label));
      const members = group?.members.map((i) => features[i].path) ?? [];
      crops += expected.filter(isCrop).length;
      cropsFound += members.filter(isCrop).length;
      expect({ label, members: members.filter((p) => !isCrop(p)).sort() }).toEqual({
        label,
        members: expected.filter((p) => !isCrop(p)).sort(),
      });
    }
    expect(cropsFound / crops).toBeGreaterThanOrEqual(0.9);
    expect(groups).toHaveLength(ORIGINALS.length);
    // The index was selective: far fewer candidates than all pairs.
    expect(stats.candidates).toBeLessThan((features.length * (features.length - 1)) / 2 / 4);
    for (const g of groups) {
      expect(g.score).toBeGreaterThan(0.5);
      expect(g.score).toBeLessThanOrEqual(1);
    }
  });

  test('reports: JSON paths relative to the root, CSV rows, self-contained HTML', async () => {
    const { groups } = findNearDuplicates(features, settings.verify, settings.grouping);
    const byPath = new Map(scanned.map((s) => [s.path, s]));
    const inputs: GroupInput[] = groups.slice(0, 3).map((g) => ({
      kind: 'near',
      members: g.members.map((i) => ({
        ...features[i],
        size: byPath.get(features[i].path)!.size,
        mtimeMs: byPath.get(features[i].path)!.mtimeMs,
      })),
      pairs: g.pairs.map((p) => ({ a: g.members.indexOf(p.a), b: g.members.indexOf(p.b), score: p.score })),
    }));
    const report = buildReport(root, inputs, skipped);
    const json = JSON.parse(renderJsonReport(report));
    expect(json.groups).toHaveLength(3);
    for (const g of json.groups) {
      expect(g.members.filter((m: { keeper: boolean }) => m.keeper)).toHaveLength(1);
      expect(g.keeper).toBe(g.members.find((m: { keeper: boolean }) => m.keeper).path);
      for (const m of g.members) {
        expect(path.isAbsolute(m.path)).toBe(false);
        await expect(fs.access(path.join(root, m.path))).resolves.toBeUndefined();
        expect(m.size).toBeGreaterThan(0);
      }
      // Keeper rule: highest resolution wins (the half-size copy never does).
      const keeper = g.members.find((m: { keeper: boolean }) => m.keeper);
      expect(Math.max(...g.members.map((m: { width: number; height: number }) => m.width * m.height))).toBe(
        keeper.width * keeper.height,
      );
    }
    expect(json.skipped.map((s: { path: string }) => s.path).sort()).toEqual([
      'bad/bomb.png',
      'bad/empty.jpg',
      'bad/notes.png',
      'bad/truncated.jpg',
    ]);
    expect(JSON.stringify(json.skipped)).not.toContain(root);

    const csv = renderCsvReport(report).trim().split('\n');
    expect(csv[0]).toBe('group,member,score,keeper,size,width,height,kind');
    expect(csv).toHaveLength(
      1 + json.groups.reduce((s: number, g: { members: unknown[] }) => s + g.members.length, 0),
    );

    const html = await renderHtmlReport(report);
    expect(html.match(/<img src="data:image\/jpeg;base64,/g)).toHaveLength(csv.length - 1);
    expect(html).not.toMatch(/(src|href)="(?!data:)/);
    expect(html).toContain('KEEP');
  });
});

describe('flip/rotation variants', () => {
  test('with variants on, mirrored and rotated copies join their original; off, they do not', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dedup-variants-'));
    const files: { path: string; label: string }[] = [];
    for (const name of ['fruits.jpg', 'baboon.jpg', 'building.jpg']) {
      // Original, mirror, quarter turn: the mirror and the turned copy relate by a transpose.
      const src = path.join(samplesDir(), name);
      const label = path.parse(name).name;
      for (const [suffix, img] of [
        ['orig', sharp(src)],
        ['flop', sharp(src).flop()],
        ['rot90', sharp(src).rotate(90)],
      ] as const) {
        const file = path.join(dir, `${label}-${suffix}.png`);
        await img.png().toFile(file);
        files.push({ path: file, label });
      }
    }
    const labels = (groups: { members: number[] }[], feats: ImageFeatures[]) =>
      groups.map((g) => g.members.map((i) => files.find((f) => f.path === feats[i].path)!.label));

    const on = await featuresOf(files, { ...settings.features, variants: true });
    expect(on.features[0].variants.map((v) => v.transform)).toEqual([
      'flipH',
      'flipV',
      'rot90',
      'rot180',
      'rot270',
      'transpose',
      'transverse',
    ]);
    const withVariants = labels(findNearDuplicates(on.features, settings.verify).groups, on.features);
    expect(withVariants).toHaveLength(3);
    for (const l of withVariants) expect(new Set(l).size === 1 && l.length === 3).toBe(true);

    const off = await featuresOf(files);
    expect(findNearDuplicates(off.features, settings.verify).groups).toEqual([]);
  }, 120_000);
});

test('TRANSFORMS cover resize, quality, crop, brightness, blur and format changes', () => {
  expect(Object.keys(TRANSFORMS).sort()).toEqual(['blur', 'bright', 'crop', 'half', 'png', 'q40', 'webp']);
});
