/**
 * Re-ID continuation: a new track whose first embedding matches a track of the same channel that was lost
 * shortly before it started continues that track (`continues` attribute, same identity). The embed function
 * is a fake returning chosen vectors (no model).
 */
import { Subject } from 'rxjs';
import { parseConfig } from '../../src/config/load';
import type { ChannelConfig } from '../../src/config/schema/channel';
import type { FrameResult } from '../../src/pipelines/camera/channel';
import { createFaceAnalysis, type EmbedFn } from '../../src/pipelines/camera/reid/face-analysis';
import { storedAttributes } from '../../src/pipelines/camera/records';
import { faceFrame, settle } from '../helpers/face-frames';

const DIM = 8;
const unit = (axis: number) => Float32Array.from({ length: DIM }, (_, i) => (i === axis ? 1 : 0));

/**
 * Track 1 (person A) is seen in frames 0-4 and ends at frame 5; track `next` starts at frame `start` with
 * the face of person `nextAxis` (A is axis 0). Returns the last result's attributes of the new track.
 */
async function run(options: { start: number; nextAxis: number; continueWithinMs?: number }) {
  const config = parseConfig(
    {
      channels: [
        {
          id: 'cam',
          source: 'cam.mp4',
          reid: { everyFrames: 1, continueWithinMs: options.continueWithinMs ?? 10 },
        },
      ],
    },
    'continuation-test.json',
  );
  const embed: EmbedFn = async (_model, crops) => crops.map((c) => unit(c[0] === 1 ? 0 : options.nextAxis));
  const analysis = createFaceAnalysis(config, { embed });
  const stage = analysis.stage(config.channels![0] as ChannelConfig)!;
  const input = new Subject<FrameResult>();
  const out: FrameResult[] = [];
  input.pipe(stage).subscribe((r) => out.push(r));
  const face = (track: number) => ({ track, hits: 10, crops: { embed: new Uint8Array([track]).buffer } });
  const withStart = (r: FrameResult, firstSeen: number): FrameResult => {
    for (const t of r.tracking.tracks) t.firstSeen = firstSeen;
    return r;
  };
  for (let seq = 0; seq < 5; seq++) {
    input.next(withStart(faceFrame('cam', seq, [face(1)]), 0));
    await settle();
  }
  input.next(faceFrame('cam', 5, [], [{ track: 1, hits: 10 }]));
  await settle();
  for (let seq = options.start; seq < options.start + 3; seq++) {
    input.next(withStart(faceFrame('cam', seq, [face(2)]), options.start));
    await settle();
  }
  input.complete();
  await settle();
  const first = out.find((r) => r.attributes?.[1]?.identity)?.attributes?.[1];
  return { first, next: out.at(-1)!.attributes?.[2] };
}

describe('Re-ID continuation', () => {
  it('links a new track to the lost track of the same person and gives it that identity', async () => {
    const { first, next } = await run({ start: 8, nextAxis: 0 });
    expect(next?.continues).toBe(1);
    expect(next?.identity?.id).toBe(first?.identity?.id);
    expect(storedAttributes(next)).toMatchObject({ continues: 1 });
  });

  it('does not link another person', async () => {
    const { first, next } = await run({ start: 8, nextAxis: 3 });
    expect(next?.continues).toBeUndefined();
    expect(next?.identity?.id).not.toBe(first?.identity?.id);
  });

  it('does not link past continueWithinMs, nor with continuation off', async () => {
    expect((await run({ start: 30, nextAxis: 0 })).next?.continues).toBeUndefined();
    expect((await run({ start: 8, nextAxis: 0, continueWithinMs: 0 })).next?.continues).toBeUndefined();
  });
});
