/**
 * Keeper rule: which member of a duplicate group stays. Criteria are applied in order until one decides;
 * the path is the final tie-break so the choice is deterministic.
 */
import type { KeeperCriterion } from '../../config/schema/dedup-settings';

/** What the keeper rule needs to know about a member. */
export interface KeeperCandidate {
  path: string;
  width: number;
  height: number;
  size: number;
  mtimeMs: number;
  /** Reached through a symbolic link: such a member is kept only when no regular file is in the group. */
  isSymlink?: boolean;
}

export const DEFAULT_KEEPER_ORDER: readonly KeeperCriterion[] = ['resolution', 'size', 'oldest'];

/** Negative when `a` should be kept rather than `b` under one criterion, 0 when it does not decide. */
function compareBy(c: KeeperCriterion, a: KeeperCandidate, b: KeeperCandidate): number {
  switch (c) {
    case 'resolution':
      return b.width * b.height - a.width * a.height;
    case 'size':
      return b.size - a.size;
    case 'oldest':
      return a.mtimeMs - b.mtimeMs;
    case 'newest':
      return b.mtimeMs - a.mtimeMs;
    case 'shortest-path':
      return a.path.length - b.path.length;
  }
}

/**
 * Orders members best-first: regular files before members reached through a link (a link must never be
 * kept while the real file is trashed), then by the keeper criteria, then by path.
 */
export function rankMembers<T extends KeeperCandidate>(
  members: readonly T[],
  order: readonly KeeperCriterion[] = DEFAULT_KEEPER_ORDER,
): T[] {
  return [...members].sort((a, b) => {
    if (!a.isSymlink !== !b.isSymlink) return a.isSymlink ? 1 : -1;
    for (const c of order) {
      const d = compareBy(c, a, b);
      if (d !== 0) return d;
    }
    return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
  });
}

/** The member to keep. */
export function chooseKeeper<T extends KeeperCandidate>(
  members: readonly T[],
  order: readonly KeeperCriterion[] = DEFAULT_KEEPER_ORDER,
): T {
  if (members.length === 0) throw new Error('chooseKeeper: empty group');
  return rankMembers(members, order)[0];
}
