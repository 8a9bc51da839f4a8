/**
 * Threshold tuning on the collection's tune split only (bench/lib/dedup-collection.ts): extracts the
 * features of every tune image, verifies every pair the hash index would propose with the default
 * settings, prints which stage rejects the true pairs per transform (where recall goes), and searches the
 * foreground thresholds for the best F1 at precision 1 on the verified edges.
 *
 * Run: `node dist/bench/lib/dedup-tune.js`. The report split is never read here.
 */
import { writeFileSync } from 'node:fs';
import { defaultDedupSettings } from '../../src/config/schema/dedup-settings';
import { extractFeatures } from '../../src/kernels/features/features';
import { compareDetail, type DetailScores } from '../../src/kernels/features/detail';
import { compareFrames, decodeForeground, type FrameScores } from '../../src/kernels/features/foreground';
import { hammingHex } from '../../src/kernels/features/hamming';
import type { ImageFeatures, VerifySettings } from '../../src/kernels/features/types';
import { verifyPair } from '../../src/kernels/features/verify';
import { buildCollection, type CollectionItem } from './dedup-collection';

interface Row {
  truth: boolean;
  labels: [string, string];
  transform: string;
  kind: string;
  rejectedBy?: string;
  fg?: { full: FrameScores; box: FrameScores };
  /** Stage 3c scores of pairs that passed every other stage. */
  detail?: DetailScores;
}

async function main(): Promise<void> {
  const settings = defaultDedupSettings();
  // Stage 3c is searched below on the pairs every other stage passes, so it is off for the verdicts here.
  const defaultDetail = settings.verify.detail.minBlock;
  settings.verify.detail.minBlock = -1;
  const items = (await buildCollection()).filter((i) => i.split === 'tune');
  const feats: { item: CollectionItem; f: ImageFeatures }[] = [];
  for (const item of items) {
    const r = await extractFeatures(item.path, settings.features);
    if (r.ok) feats.push({ item, f: r.features });
    else process.stderr.write(`skipped ${item.path}: ${r.skipped.detail}\n`);
  }
  const v = settings.verify;
  const rows: Row[] = [];
  for (let i = 0; i < feats.length; i++)
    for (let j = i + 1; j < feats.length; j++) {
      const [a, b] = [feats[i], feats[j]];
      const truth = a.item.label === b.item.label;
      const pairT = a.item.transform === 'original' ? b.item.transform : a.item.transform;
      const d = hammingHex(a.f.hashes[v.indexHash], b.f.hashes[v.indexHash]);
      if (d > v.maxHashDistance) {
        if (truth)
          rows.push({
            truth,
            labels: [a.item.label, b.item.label],
            transform: pairT,
            kind: a.item.kind,
            rejectedBy: 'index',
          });
        continue;
      }
      const verdict = verifyPair(a.f, b.f, v);
      const row: Row = {
        truth,
        labels: [a.item.label, b.item.label],
        transform: pairT,
        kind: a.item.kind,
        rejectedBy: verdict.rejectedBy,
      };
      if (!verdict.rejectedBy || verdict.rejectedBy === 'foreground') {
        const fa = decodeForeground(a.f.foreground);
        const fb = decodeForeground(b.f.foreground);
        if (fa.plain || fb.plain)
          row.fg = { full: compareFrames(fa.full, fb.full), box: compareFrames(fa.box, fb.box) };
      }
      if (!verdict.rejectedBy) {
        const [da, db] = [decodeForeground(a.f.foreground).detail, decodeForeground(b.f.foreground).detail];
        row.detail = compareDetail(da, db);
      }
      rows.push(row);
    }
  // Where recall goes: true pairs by transform (pairs with an original only) and the stage that rejected them.
  const table: Record<string, Record<string, number>> = {};
  for (const r of rows.filter((x) => x.truth)) {
    const t = (table[r.transform] ??= {});
    t[r.rejectedBy ?? 'pass'] = (t[r.rejectedBy ?? 'pass'] ?? 0) + 1;
  }
  console.log('true pairs by transform and rejecting stage (defaults):');
  for (const [t, c] of Object.entries(table)) console.log(`  ${t.padEnd(10)} ${JSON.stringify(c)}`);
  const falsePass = rows.filter((r) => !r.truth && !r.rejectedBy);
  const falseFg = rows.filter((r) => !r.truth && (r.rejectedBy === 'foreground' || !r.rejectedBy));
  console.log(
    `false pairs passing every stage: ${falsePass.length}; reaching the foreground stage: ${falseFg.length}`,
  );
  if (process.env.DEDUP_TUNE_DUMP)
    writeFileSync(process.env.DEDUP_TUNE_DUMP, JSON.stringify(rows.filter((r) => r.fg)));
  // Grid search of the foreground thresholds on pairs that passed stages 1-3.
  const reach = rows.filter((r) => r.fg);
  const trueReach = reach.filter((r) => r.truth).length;
  // Every grid point's true and false pairs; printed: the most true pairs for a few false-pair budgets.
  const grid: { tp: number; fp: number; t: Record<string, number> }[] = [];
  for (const minOverlap of [0, 0.5, 0.6, 0.7, 0.8])
    for (const minMaskedStructure of [0.6, 0.7, 0.75, 0.8, 0.85, 0.9])
      for (const minBlockStructure of [0.4, 0.5, 0.6, 0.65, 0.7, 0.75, 0.8])
        for (const maxColourDistance of [20, 30, 40, 255]) {
          const ok = (s: FrameScores) =>
            s.overlap >= minOverlap &&
            s.maskedStructure >= minMaskedStructure &&
            s.blockStructure >= minBlockStructure &&
            s.colourDistance <= maxColourDistance;
          let tp = 0;
          let fp = 0;
          for (const r of reach) {
            if (!ok(r.fg!.full) && !ok(r.fg!.box)) continue;
            if (r.truth) tp++;
            else fp++;
          }
          grid.push({ tp, fp, t: { minOverlap, minMaskedStructure, minBlockStructure, maxColourDistance } });
        }
  console.log(`pairs reaching the foreground stage: ${reach.length} (${trueReach} true)`);
  for (const budget of [0, 10, 50]) {
    const best = grid.filter((g) => g.fp <= budget).sort((a, b) => b.tp - a.tp)[0];
    if (best) console.log(`  at most ${budget} false pairs: ${JSON.stringify(best)}`);
  }
  searchDetail(rows, defaultDetail);
  verifyCost(feats, { ...v, detail: { minBlock: defaultDetail } });
  const lost = reach.filter((r) => r.truth && r.rejectedBy === 'foreground');
  const byT: Record<string, number> = {};
  for (const r of lost) byT[r.transform] = (byT[r.transform] ?? 0) + 1;
  console.log(`true pairs the default foreground thresholds reject, by transform: ${JSON.stringify(byT)}`);
}

/**
 * Stage 3c: on the pairs every other stage passes, the true and false pairs each minBlock keeps (the most
 * true pairs with no false pair is the default's target), and the pairs the default rejects or keeps wrongly.
 */
function searchDetail(rows: readonly Row[], current: number): void {
  const reach = rows.filter((r) => r.detail);
  const best = (d: DetailScores) => Math.max(d.full, d.box);
  console.log(
    `pairs reaching the detail stage: ${reach.length} (${reach.filter((r) => r.truth).length} true)`,
  );
  for (const minBlock of [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7]) {
    const kept = reach.filter((r) => best(r.detail!) >= minBlock);
    const lostByT: Record<string, number> = {};
    for (const r of reach.filter((x) => x.truth && best(x.detail!) < minBlock))
      lostByT[r.transform] = (lostByT[r.transform] ?? 0) + 1;
    console.log(
      `  minBlock ${minBlock}: true ${kept.filter((r) => r.truth).length}, false ${kept.filter((r) => !r.truth).length}; true lost by transform ${JSON.stringify(lostByT)}`,
    );
  }
  const fmt = (r: Row) =>
    `${r.labels.join(' ~ ')} (${r.transform}) full ${r.detail!.full.toFixed(3)} box ${r.detail!.box.toFixed(3)}`;
  const falses = reach.filter((r) => !r.truth).sort((a, b) => best(b.detail!) - best(a.detail!));
  console.log(`false pairs at the detail stage, best first (default minBlock ${current}):`);
  for (const r of falses.slice(0, 25)) console.log(`  ${fmt(r)}`);
  const trues = reach.filter((r) => r.truth).sort((a, b) => best(a.detail!) - best(b.detail!));
  console.log('true pairs at the detail stage, worst first:');
  for (const r of trues.slice(0, 25)) console.log(`  ${fmt(r)}`);
}

/**
 * Cost and yield of the candidate radius and of stage 3c (same run, same pairs): for a few maxHashDistance
 * values, the candidates, the time verifyPair takes over all of them with stage 3c on and off, and the true
 * and false pairs that pass.
 */
function verifyCost(feats: readonly { item: CollectionItem; f: ImageFeatures }[], v: VerifySettings): void {
  console.log(
    'candidate radius and stage 3c: candidates, verify time (3c off -> on), passing true/false pairs',
  );
  for (const maxHashDistance of [v.maxHashDistance - 2, v.maxHashDistance, v.maxHashDistance + 2]) {
    const pairs: [number, number][] = [];
    for (let i = 0; i < feats.length; i++)
      for (let j = i + 1; j < feats.length; j++)
        if (hammingHex(feats[i].f.hashes[v.indexHash], feats[j].f.hashes[v.indexHash]) <= maxHashDistance)
          pairs.push([i, j]);
    const run = (detail: number) => {
      const s = { ...v, maxHashDistance, detail: { minBlock: detail } };
      const t0 = performance.now();
      let tp = 0;
      let fp = 0;
      for (const [i, j] of pairs)
        if (verifyPair(feats[i].f, feats[j].f, s).pass) {
          if (feats[i].item.label === feats[j].item.label) tp++;
          else fp++;
        }
      return { ms: Math.round(performance.now() - t0), tp, fp };
    };
    const off = run(-1);
    const on = run(v.detail.minBlock);
    console.log(
      `  maxHashDistance ${maxHashDistance}: ${pairs.length} candidates, ${off.ms} -> ${on.ms} ms, ` +
        `true ${off.tp} -> ${on.tp}, false ${off.fp} -> ${on.fp}`,
    );
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
