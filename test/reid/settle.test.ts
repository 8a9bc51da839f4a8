/**
 * Re-ID stops embedding a track once its identity is settled: `settle.samples` embeddings in a row that
 * match the track's identity at `settle.similarity` or more. A track whose embeddings keep wavering goes
 * on up to `maxSamples`. The embed function is a fake returning chosen vectors (no model).
 */
import { Subject } from 'rxjs';
import { parseConfig } from '../../src/config/load';
import type { ChannelConfig } from '../../src/config/schema/channel';
import type { FrameResult } from '../../src/pipelines/camera/channel';
import { createFaceAnalysis, type EmbedFn } from '../../src/pipelines/camera/reid/face-analysis';
import { faceFrame, settle } from '../helpers/face-frames';

const DIM = 8;
/** A unit vector along `axis`, optionally tilted towards axis + 1 by `tilt`. */
function vector(axis: number, tilt = 0): Float32Array {
  const v = new Float32Array(DIM);
  v[axis] = 1;
  v[axis + 1] = tilt;
  const norm = Math.hypot(1, tilt);
  return v.map((x) => x / norm);
}

/** Embeds `frames` frames of two tracks with growing faces; returns the embed calls per track. */
async function run(reid: Record<string, unknown>, frames = 20) {
  const config = parseConfig(
    {
      channels: [{ id: 'cam', source: 'cam.mp4', reid: { everyFrames: 1, qualityGain: 1.01, ...reid } }],
    },
    'settle-test.json',
  );
  const calls: number[] = [];
  const seen = new Map<number, number>();
  // Track 1 always looks the same; track 2 alternates between two views 0.71 apart, which the gallery
  // takes for two people: its identity flips with every embedding and never settles.
  const embed: EmbedFn = async (_model, crops) =>
    crops.map((c) => {
      const track = c[0];
      calls.push(track);
      const n = (seen.get(track) ?? 0) + 1;
      seen.set(track, n);
      return track === 1 ? vector(0) : vector(3, n % 2 === 0 ? 1 : 0);
    });
  const analysis = createFaceAnalysis(config, { embed });
  const stage = analysis.stage(config.channels![0] as ChannelConfig)!;
  const input = new Subject<FrameResult>();
  const out: FrameResult[] = [];
  input.pipe(stage).subscribe((r) => out.push(r));
  for (let seq = 0; seq < frames; seq++) {
    const side = 40 + seq * 8; // quality grows every frame
    input.next(
      faceFrame(
        'cam',
        seq,
        [1, 2].map((track) => ({
          track,
          hits: 10 + seq,
          box: [0, 0, side, side] as [number, number, number, number],
          crops: { embed: new Uint8Array([track]).buffer },
        })),
      ),
    );
    await settle();
  }
  input.complete();
  await settle();
  const count = (track: number) => calls.filter((t) => t === track).length;
  return { steady: count(1), wavering: count(2), last: out.at(-1)! };
}

describe('Re-ID settle', () => {
  it('stops a track whose embeddings agree after settle.samples; a wavering one goes on to maxSamples', async () => {
    const r = await run({});
    expect(r.steady).toBe(3);
    expect(r.wavering).toBe(8);
    // Both still carry their identity.
    expect(r.last.attributes?.[1]).toMatchObject({ identity: { embeddings: 3, id: expect.any(String) } });
    expect(r.last.attributes?.[2]).toMatchObject({ identity: { embeddings: 8, id: expect.any(String) } });
  });

  it('with settle: false embeds every track up to maxSamples', async () => {
    const r = await run({ settle: false });
    expect(r.steady).toBe(8);
    expect(r.wavering).toBe(8);
  });

  it('honours its own sample count', async () => {
    expect((await run({ settle: { samples: 5 } })).steady).toBe(5);
  });
});
