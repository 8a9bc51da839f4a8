import { fairShare, rebalance } from '../../src/cluster/policy';

const ids = (n: number) => Array.from({ length: n }, (_, i) => `cam${i + 1}`);

describe('fairShare', () => {
  it('is ceil(channels / live nodes), capped by maxChannels', () => {
    expect(fairShare(6, 3)).toBe(2);
    expect(fairShare(7, 3)).toBe(3);
    expect(fairShare(6, 2)).toBe(3);
    expect(fairShare(6, 0)).toBe(6); // no node seen yet counts as one
    expect(fairShare(6, 1, 4)).toBe(4);
  });
});

describe('rebalance', () => {
  it('releases the channels above the share, last ones in config order first', () => {
    const d = rebalance({
      channels: ids(6),
      owned: new Set(ids(6)),
      ownedElsewhere: new Set(),
      liveNodes: 3,
    });
    expect(d).toEqual({ share: 2, release: ['cam3', 'cam4', 'cam5', 'cam6'], acquire: [] });
  });

  it('tries channels nobody holds first, then the rest (a heartbeat may be stale), never its own', () => {
    const d = rebalance({
      channels: ids(6),
      owned: new Set(['cam1']),
      ownedElsewhere: new Set(['cam2', 'cam3', 'cam4']),
      liveNodes: 2,
    });
    expect(d.share).toBe(3);
    expect(d.release).toEqual([]);
    expect(d.acquire).toEqual(['cam5', 'cam6', 'cam2', 'cam3', 'cam4']);
  });

  it('rotates the order of the candidates by the offset', () => {
    const d = rebalance({
      channels: ids(4),
      owned: new Set(),
      ownedElsewhere: new Set(),
      liveNodes: 2,
      offset: 5,
    });
    expect(d.acquire).toEqual(['cam2', 'cam3', 'cam4', 'cam1']);
  });

  it('keeps maxChannels even when the node is alone', () => {
    const d = rebalance({
      channels: ids(6),
      owned: new Set(ids(5)),
      ownedElsewhere: new Set(),
      liveNodes: 1,
      maxChannels: 2,
    });
    expect(d).toEqual({ share: 2, release: ['cam3', 'cam4', 'cam5'], acquire: [] });
  });

  /**
   * Nodes ticking in turn against one lock table (what pg_try_advisory_lock decides): from any start, as
   * nodes join and leave, every channel ends up held exactly once and no node holds more than its share.
   */
  it.each([
    [6, 3],
    [7, 3],
    [6, 4],
    [10, 3],
    [3, 5],
  ])('%i channels on %i nodes settle with every channel held once, within the share', (channels, nodes) => {
    const all = ids(channels);
    const locks = new Map<string, number>();
    const held = Array.from({ length: nodes }, () => new Set<string>());
    const tick = (node: number, live: number[]) => {
      const elsewhere = new Set(live.filter((n) => n !== node).flatMap((n) => [...held[n]]));
      const d = rebalance({
        channels: all,
        owned: held[node],
        ownedElsewhere: elsewhere,
        liveNodes: live.length,
        offset: node * 7,
      });
      for (const c of d.release) {
        held[node].delete(c);
        locks.delete(c);
      }
      for (const c of d.acquire) {
        if (held[node].size >= d.share) break;
        if (!locks.has(c)) {
          locks.set(c, node);
          held[node].add(c);
        }
      }
    };
    // Node 0 alone takes everything; the others join one by one; then the last one dies.
    let live = [0];
    for (let join = 1; join <= nodes; join++) {
      for (let round = 0; round < 4; round++) for (const n of live) tick(n, live);
      if (join < nodes) live = [...live, join];
    }
    const share = fairShare(channels, nodes);
    expect([...locks.keys()].sort()).toEqual([...all].sort());
    for (const n of live) expect(held[n].size).toBeLessThanOrEqual(share);
    const dead = live.pop()!;
    for (const c of held[dead]) locks.delete(c);
    held[dead].clear();
    for (let round = 0; round < 4; round++) for (const n of live) tick(n, live);
    expect([...locks.keys()].sort()).toEqual([...all].sort());
    expect(live.flatMap((n) => [...held[n]]).length).toBe(channels);
  });
});
