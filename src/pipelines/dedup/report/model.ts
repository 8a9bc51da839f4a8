/**
 * The report model shared by the JSON, CSV and HTML writers. Member paths are relative to the scanned
 * root (forward slashes) so a report stays valid when the collection is moved or mounted elsewhere.
 */
import path from 'node:path';
import { chooseKeeper } from '../keeper';
import type { KeeperCriterion } from '../../../config/schema/dedup-settings';
import type { SkipReason, SkippedFile } from '../../../kernels/features/types';

/** What the report needs about one member (absolute path in, relative path out). */
export interface MemberInfo {
  path: string;
  size: number;
  mtimeMs: number;
  width: number;
  height: number;
  format: string;
  /** Reached through a symbolic link (never chosen as keeper while a regular member exists). */
  isSymlink?: boolean;
}

/** A group as produced by the grouping stage, with members resolved. */
export interface GroupInput {
  members: MemberInfo[];
  /** Pairs by index into `members`. */
  pairs: { a: number; b: number; score: number }[];
  /** 'exact' for byte-identical files (stage 0), 'near' otherwise. */
  kind: 'exact' | 'near';
}

export interface ReportMember {
  path: string;
  size: number;
  width: number;
  height: number;
  format: string;
  keeper: boolean;
  /** Mean score of this member's verified pairs inside the group. */
  score: number;
}

export interface ReportGroup {
  id: number;
  kind: 'exact' | 'near';
  /** Mean pair score. */
  score: number;
  keeper: string;
  members: ReportMember[];
  pairs: { a: string; b: string; score: number }[];
  /** Bytes freed if every non-keeper member were removed. */
  reclaimableBytes: number;
}

export interface DedupReport {
  root: string;
  generatedAt: string;
  groups: ReportGroup[];
  skipped: { path: string; reason: SkipReason; detail: string }[];
}

/** Path of `file` relative to `root`, with forward slashes. */
export function relativeTo(root: string, file: string): string {
  return path.relative(root, file).split(path.sep).join('/');
}

/** Builds the report: picks keepers, computes per-member and per-group scores, relativises paths. */
export function buildReport(
  root: string,
  groups: readonly GroupInput[],
  skipped: readonly SkippedFile[],
  keeperOrder?: readonly KeeperCriterion[],
): DedupReport {
  const absRoot = path.resolve(root);
  const rel = (p: string) => relativeTo(absRoot, p);
  const out: ReportGroup[] = groups.map((g, gi) => {
    const keeper = chooseKeeper(g.members, keeperOrder);
    const memberScores = g.members.map((_, i) => {
      const own = g.pairs.filter((p) => p.a === i || p.b === i);
      return own.length ? own.reduce((s, p) => s + p.score, 0) / own.length : 0;
    });
    const score = g.pairs.length ? g.pairs.reduce((s, p) => s + p.score, 0) / g.pairs.length : 0;
    return {
      id: gi + 1,
      kind: g.kind,
      score,
      keeper: rel(keeper.path),
      members: g.members.map((m, i) => ({
        path: rel(m.path),
        size: m.size,
        width: m.width,
        height: m.height,
        format: m.format,
        keeper: m === keeper,
        score: memberScores[i],
      })),
      pairs: g.pairs.map((p) => ({
        a: rel(g.members[p.a].path),
        b: rel(g.members[p.b].path),
        score: p.score,
      })),
      reclaimableBytes: g.members.filter((m) => m !== keeper).reduce((s, m) => s + m.size, 0),
    };
  });
  return {
    root: absRoot,
    generatedAt: new Date().toISOString(),
    groups: out,
    // The detail names the file too: keep it relative like every other path in the report.
    skipped: skipped.map((s) => ({
      path: rel(s.path),
      reason: s.reason,
      detail: s.detail.split(s.path).join(rel(s.path)),
    })),
  };
}
