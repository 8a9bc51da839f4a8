/**
 * Joins stage 0 (byte-identical files, of which only one representative went through feature extraction)
 * with the near-duplicate groups: each copy stands wherever its representative stands, with the
 * representative's scores, and scores 1 against the representative itself.
 */
import type { ExactGroup } from './exact';
import type { DuplicateGroup } from './grouping';
import type { GroupInput, MemberInfo } from './report/model';
import type { ImageFeatures, ScanEntry } from '../../kernels/features/types';

/** Report-ready groups: near groups widened by the exact copies of their members, plus exact-only groups. */
export function mergeExactIntoGroups(
  near: readonly DuplicateGroup[],
  features: readonly Pick<ImageFeatures, 'path' | 'width' | 'height' | 'format'>[],
  exact: readonly ExactGroup<ScanEntry>[],
  entries: ReadonlyMap<string, ScanEntry>,
): GroupInput[] {
  const copiesOf = new Map(exact.map((g) => [g.members[0].path, g.members.slice(1)]));
  type Described = (typeof features)[number];
  const info = (f: Described, e: ScanEntry): MemberInfo => ({
    path: e.path,
    size: e.size,
    mtimeMs: e.mtimeMs,
    width: f.width,
    height: f.height,
    format: f.format,
    isSymlink: e.isSymlink,
  });
  const byPath = new Map(features.map((f) => [f.path, f]));
  const used = new Set<string>();
  const out: GroupInput[] = [];
  const widen = (
    reps: Described[],
    repPairs: { a: number; b: number; score: number }[],
    kind: 'exact' | 'near',
  ) => {
    const members: MemberInfo[] = [];
    const origin: number[] = []; // which representative each member stands for
    reps.forEach((f, r) => {
      used.add(f.path);
      for (const e of [entries.get(f.path)!, ...(copiesOf.get(f.path) ?? [])]) {
        members.push(info(f, e));
        origin.push(r);
      }
    });
    const score = new Map(repPairs.map((p) => [`${p.a},${p.b}`, p.score]));
    const pairs: GroupInput['pairs'] = [];
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const [ra, rb] = [origin[i], origin[j]];
        const s = ra === rb ? 1 : score.get(`${Math.min(ra, rb)},${Math.max(ra, rb)}`);
        if (s !== undefined) pairs.push({ a: i, b: j, score: s });
      }
    }
    out.push({ kind, members, pairs });
  };
  for (const g of near) {
    const reps = g.members.map((i) => features[i]);
    const local = new Map(g.members.map((id, k) => [id, k]));
    widen(
      reps,
      g.pairs.map((p) => ({ a: local.get(p.a)!, b: local.get(p.b)!, score: p.score })),
      'near',
    );
  }
  for (const g of exact) {
    const rep = byPath.get(g.members[0].path);
    if (rep && !used.has(rep.path)) widen([rep], [], 'exact');
  }
  return out;
}
