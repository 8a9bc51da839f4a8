import { createCoalescer } from '../../src/pipelines/camera/reid/coalesce';
import { IdentityGallery } from '../../src/pipelines/camera/reid/gallery';

function unit(...v: number[]): Float32Array {
  const n = Math.hypot(...v);
  return Float32Array.from(v.map((x) => x / n));
}

describe('IdentityGallery', () => {
  let ids = 0;
  const gallery = () => new IdentityGallery({ threshold: 0.9, newId: () => `id${++ids}` });

  it('creates an identity when nothing matches and reuses it for a similar face from another channel', () => {
    const g = gallery();
    const first = g.match(unit(1, 0, 0), 'cam1');
    expect(first.created).toBe(true);
    const again = g.match(unit(1, 0.1, 0), 'cam2');
    expect(again).toMatchObject({
      created: false,
      identity: { id: first.identity.id, lastChannel: 'cam2', samples: 2 },
    });
    const other = g.match(unit(0, 1, 0), 'cam1');
    expect(other.created).toBe(true);
    expect(g.size).toBe(2);
  });

  it('keeps the mean embedding normalised and moving towards new samples', () => {
    const g = gallery();
    const { identity } = g.match(unit(1, 0, 0), 'c');
    g.match(unit(1, 0.3, 0), 'c');
    expect(Math.hypot(...identity.embedding)).toBeCloseTo(1, 5);
    expect(identity.embedding[1]).toBeGreaterThan(0);
  });

  it('keeps a track on its identity unless another one is clearly better', () => {
    const g = gallery();
    const a = g.match(unit(1, 0, 0), 'c').identity;
    const b = g.match(unit(0, 1, 0), 'c').identity;
    // Closer to b, but the track's identity is a: switches only because b is better by > 0.05.
    expect(g.match(unit(0.1, 1, 0), 'c', a.id).identity.id).toBe(b.id);
    expect(g.match(unit(1, 0.05, 0), 'c', a.id).identity.id).toBe(a.id);
  });

  it('starts from loaded identities (restart)', () => {
    const g = gallery();
    g.load([
      {
        id: 'stored',
        embedding: unit(0, 0, 1),
        samples: 5,
        createdAt: 0,
        lastSeenAt: 0,
        lastChannel: null,
        attributes: {},
      },
    ]);
    expect(g.match(unit(0, 0.1, 1), 'c').identity.id).toBe('stored');
  });
});

describe('createCoalescer', () => {
  it('batches items submitted in the same turn, up to maxBatch, and resolves each with its own result', async () => {
    const batches: number[][] = [];
    const run = createCoalescer<number, number>({
      maxBatch: 3,
      run: async (items) => {
        batches.push(items);
        return items.map((i) => i * 10);
      },
    });
    const results = await Promise.all([1, 2, 3, 4, 5].map(run));
    expect(results).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('rejects every item of a failed batch', async () => {
    const run = createCoalescer<number, number>({
      maxBatch: 4,
      run: () => Promise.reject(new Error('pool down')),
    });
    await expect(Promise.all([run(1), run(2)])).rejects.toThrow('pool down');
  });
});
