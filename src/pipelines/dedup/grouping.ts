/**
 * Stage 5, global refinement: verified pairs become groups by agglomeration with complete linkage
 * (by default), so A~B and B~C never put A and C together unless A~C was verified too. Connected
 * components, the naive alternative, chain unrelated images through intermediates.
 */

/** A verified similar pair of item ids with its similarity score in [0, 1]. */
export interface ScoredPair {
  a: number;
  b: number;
  score: number;
}

/** A duplicate group: member ids (ascending), its verified pairs and their mean score. */
export interface DuplicateGroup {
  members: number[];
  pairs: ScoredPair[];
  /** Mean score of the group's verified pairs. */
  score: number;
}

export interface GroupingOptions {
  /**
   * Fraction of the cross pairs between two groups that must be verified edges for them to merge.
   * 1 (default) is complete linkage: every member is verified-similar to every other member.
   */
  minLinkFraction?: number;
}

function key(a: number, b: number): string {
  return a < b ? `${a},${b}` : `${b},${a}`;
}

/**
 * Forms groups from verified pairs: edges are taken in descending score order; the two clusters they join
 * merge only when at least `minLinkFraction` of all cross pairs are verified edges. Items in no pair form
 * no group. Groups come out largest first, then by best score.
 */
export function groupPairs(pairs: readonly ScoredPair[], options: GroupingOptions = {}): DuplicateGroup[] {
  const minFraction = options.minLinkFraction ?? 1;
  const edges = new Map<string, ScoredPair>();
  for (const p of pairs) {
    if (p.a === p.b) continue;
    const k = key(p.a, p.b);
    const prev = edges.get(k);
    if (!prev || prev.score < p.score)
      edges.set(k, { a: Math.min(p.a, p.b), b: Math.max(p.a, p.b), score: p.score });
  }
  const clusterOf = new Map<number, number[]>();
  const ordered = [...edges.values()].sort((x, y) => y.score - x.score || x.a - y.a || x.b - y.b);
  for (const e of ordered) {
    const ca = clusterOf.get(e.a) ?? [e.a];
    const cb = clusterOf.get(e.b) ?? [e.b];
    if (ca === cb) continue;
    let linked = 0;
    for (const x of ca) for (const y of cb) if (edges.has(key(x, y))) linked++;
    if (linked < minFraction * ca.length * cb.length) continue;
    const merged = ca.concat(cb);
    for (const m of merged) clusterOf.set(m, merged);
  }
  const seen = new Set<number[]>();
  const groups: DuplicateGroup[] = [];
  for (const cluster of clusterOf.values()) {
    if (seen.has(cluster) || cluster.length < 2) continue;
    seen.add(cluster);
    const members = [...cluster].sort((x, y) => x - y);
    const inGroup: ScoredPair[] = [];
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const e = edges.get(key(members[i], members[j]));
        if (e) inGroup.push(e);
      }
    }
    const score = inGroup.reduce((s, p) => s + p.score, 0) / inGroup.length;
    groups.push({ members, pairs: inGroup, score });
  }
  return groups.sort(
    (x, y) => y.members.length - x.members.length || y.score - x.score || x.members[0] - y.members[0],
  );
}
