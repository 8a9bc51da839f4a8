/**
 * The gender/age stage of `createFaceAnalysis` in front of a busy classify pool: one shared priority queue
 * serves new tracks first, then the tracks with the fewest samples (younger tracks first among equals);
 * overflow drops the lowest priority and counts it; results are smoothed onto the tracks they belong to.
 * A request whose track ended while it waited is removed (counted apart) and never takes a live track's place.
 *
 * The stage is promise-driven (an async step per frame, the classify pool behind a coalescer), so it is
 * driven step by step with a fake classify function whose calls the test answers one at a time, not with
 * TestScheduler marbles (the priority queue operator itself has marble tests in test/operators).
 */
import { Subject } from 'rxjs';
import { resetStageStats, stageStats } from '../../src/operators';
import { parseConfig } from '../../src/config/load';
import type { RxvisionConfig } from '../../src/config';
import type { ChannelConfig } from '../../src/config/schema/channel';
import type { AgeGender } from '../../src/kernels/faces/face-models';
import type { FrameResult } from '../../src/pipelines/camera/channel';
import { DEMOGRAPHICS_QUEUE_STAGE } from '../../src/pipelines/camera/stages';
import {
  createFaceAnalysis,
  type ClassifyFn,
  type FaceAnalysis,
} from '../../src/pipelines/camera/reid/face-analysis';
import { faceFrame, settle } from '../helpers/face-frames';

/** A face of one frame: the track it belongs to and how often that track has been matched. */
interface Face {
  track: number;
  hits: number;
}

/** One call into the fake classify pool: whose crops, and how to answer it. */
interface Call {
  faces: string[];
  answered: boolean;
  answer: () => void;
}

const CHANNELS = ['cam1', 'cam2'];

/**
 * What the fake model says about a face: an age and a gender that identify its channel and track. Tracks
 * from 20 on are borderline (male 0.6), the others clear (0.9 or 0.1).
 */
function verdict(face: string): AgeGender {
  const [channel, track] = face.split('#').map(Number);
  return { age: 10 * track + channel, male: track >= 20 ? 0.6 : track % 2 === 1 ? 0.9 : 0.1 };
}

function setup(queueCapacity: number, demographics: Record<string, unknown> = {}) {
  const config: RxvisionConfig = parseConfig(
    {
      // batchSize 1: one crop per classify call (no coalescing) and 2 classify calls in flight at most.
      demographics: { queueCapacity, batchSize: 1 },
      channels: CHANNELS.map((id) => ({
        id,
        source: `${id}.mp4`,
        demographics: { everyFrames: 1, minFaceSize: 32, minScore: 0.5, ...demographics },
      })),
    },
    'queue-test.json',
  );
  const calls: Call[] = [];
  // The crop's two bytes name the face (channel index, track id): what came back must land on that track.
  const classify: ClassifyFn = (_model, crops) =>
    new Promise<AgeGender[]>((resolve) => {
      const faces = crops.map((c) => `${c[0]}#${c[1]}`);
      const call: Call = {
        faces,
        answered: false,
        answer: () => {
          call.answered = true;
          resolve(faces.map(verdict));
        },
      };
      calls.push(call);
    });
  const analysis: FaceAnalysis = createFaceAnalysis(config, { classify });
  const inputs = new Map<string, Subject<FrameResult>>();
  const outputs = new Map<string, FrameResult[]>();
  for (const channel of config.channels as ChannelConfig[]) {
    const stage = analysis.stage(channel);
    if (!stage) throw new Error(`no stage for ${channel.id}`);
    const input = new Subject<FrameResult>();
    const output: FrameResult[] = [];
    input.pipe(stage).subscribe((r) => output.push(r));
    inputs.set(channel.id, input);
    outputs.set(channel.id, output);
  }

  /** Sends a frame with `faces` (confirmed tracks) on `channel` and lets the stage handle it. */
  const frame = async (channel: string, seq: number, faces: Face[], ended: Face[] = []) => {
    const ci = CHANNELS.indexOf(channel);
    const withCrops = faces.map((f) => ({ ...f, crops: { classify: new Uint8Array([ci, f.track]).buffer } }));
    inputs.get(channel)!.next(faceFrame(channel, seq, withCrops, ended));
    await settle();
  };

  /** Answers the pending classify call for `face` and lets the stage take the next request. */
  const answer = async (face: string) => {
    const call = calls.find((c) => !c.answered && c.faces.includes(face));
    if (!call) throw new Error(`no classify call for ${face} is waiting for an answer`);
    call.answer();
    await settle();
  };

  const classified = () => calls.flatMap((c) => c.faces);
  const lastOutput = (channel: string) => outputs.get(channel)!.at(-1)!;
  return { analysis, frame, answer, classified, lastOutput };
}

describe('gender/age stage: priority queue in front of a busy classify pool', () => {
  it('serves new tracks first, then the fewest samples, drops the lowest priority, and smooths per track', async () => {
    const t = setup(5);

    // Samples first: cam1 tracks 1, 2 and 5 get one sample each, track 1 a second one.
    await t.frame('cam1', 0, [
      { track: 1, hits: 10 },
      { track: 2, hits: 10 },
    ]);
    expect(t.classified()).toEqual(['0#1', '0#2']);
    await t.answer('0#2');
    await t.answer('0#1');
    await t.frame('cam1', 1, [
      { track: 1, hits: 11 },
      { track: 5, hits: 1 },
    ]);
    await t.answer('0#5');
    await t.answer('0#1');
    expect(t.classified()).toEqual(['0#1', '0#2', '0#1', '0#5']);

    // The pool gets busy: two new tracks take both classify slots and are not answered yet.
    await t.frame('cam1', 2, [
      { track: 8, hits: 900 },
      { track: 9, hits: 900 },
    ]);
    expect(t.classified()).toHaveLength(6);

    // A burst of 6 requests on two channels into a queue of 5: nothing can run yet.
    await t.frame('cam1', 3, [
      { track: 1, hits: 50 }, // 2 samples: lowest priority, dropped on overflow
      { track: 2, hits: 60 }, // 1 sample
      { track: 3, hits: 40 }, // new
      { track: 5, hits: 5 }, // 1 sample, younger than track 2
      { track: 4, hits: 3 }, // new, youngest
    ]);
    await t.frame('cam2', 3, [{ track: 1, hits: 30 }]); // new on the other channel
    expect(t.classified()).toHaveLength(6);
    expect(t.analysis.stats().classifyDropped).toBe(1);

    // Freeing one slot at a time serves the queue in priority order.
    const served: string[] = [];
    const next = () => t.classified().slice(6 + served.length);
    await t.answer('0#9');
    served.push(...next());
    await t.answer('0#8');
    served.push(...next());
    expect(served).toEqual(['0#4', '1#1']);
    await t.answer('1#1');
    served.push(...next());
    await t.answer('0#4');
    served.push(...next());
    await t.answer('0#3');
    served.push(...next());
    expect(served).toEqual(['0#4', '1#1', '0#3', '0#5', '0#2']);
    await t.answer('0#2');
    await t.answer('0#5');
    expect(t.classified()).toHaveLength(11); // the dropped request of cam1 track 1 never ran
    expect(t.analysis.stats()).toMatchObject({ classified: 11, classifyDropped: 1, classifyFailed: 0 });

    // Each track carries its own model answers: age 10 x track + channel index, odd tracks male.
    await t.frame(
      'cam1',
      4,
      [1, 2, 3, 4, 5, 8, 9].map((track) => ({ track, hits: 100 })),
    );
    const cam1 = t.lastOutput('cam1').attributes!;
    const samples = { 1: 2, 2: 2, 3: 1, 4: 1, 5: 2, 8: 1, 9: 1 } as const;
    for (const [track, n] of Object.entries(samples)) {
      expect(cam1[Number(track)].demographics).toMatchObject({
        age: 10 * Number(track),
        gender: Number(track) % 2 === 1 ? 'male' : 'female',
        samples: n,
      });
    }
    await t.frame('cam2', 4, [{ track: 1, hits: 31 }]);
    expect(t.lastOutput('cam2').attributes![1]).toMatchObject({
      demographics: { age: 11, gender: 'male', samples: 1 },
    });
    t.analysis.complete();
  });

  it('lets a dropped track ask again, and never classifies a track that ended while queued', async () => {
    const t = setup(2);
    await t.frame('cam1', 0, [
      { track: 8, hits: 900 },
      { track: 9, hits: 900 },
    ]);
    // Queue of 2: the oldest of three new tracks is pushed out.
    await t.frame('cam1', 1, [
      { track: 1, hits: 30 },
      { track: 2, hits: 20 },
      { track: 3, hits: 10 },
    ]);
    expect(t.analysis.stats().classifyDropped).toBe(1);
    // Track 3 ends while it waits at the head of the queue: it is removed unrun, track 2 runs instead.
    await t.frame('cam1', 2, [], [{ track: 3, hits: 10 }]);
    await t.answer('0#8');
    expect(t.classified()).toEqual(['0#8', '0#9', '0#2']);
    // Track 1 was dropped, so nothing is pending for it: it asks again and is served next.
    await t.frame('cam1', 3, [{ track: 1, hits: 31 }]);
    await t.answer('0#9');
    expect(t.classified()).toEqual(['0#8', '0#9', '0#2', '0#1']);
    await t.answer('0#1');
    await t.answer('0#2');
    await t.frame('cam1', 4, [
      { track: 1, hits: 32 },
      { track: 2, hits: 22 },
    ]);
    const attributes = t.lastOutput('cam1').attributes!;
    expect(attributes[1]).toMatchObject({ demographics: { age: 10, gender: 'male', samples: 1 } });
    expect(attributes[2]).toMatchObject({ demographics: { age: 20, gender: 'female', samples: 1 } });
    expect(attributes[3]).toBeUndefined();
    expect(t.analysis.stats()).toMatchObject({ classified: 4, classifyDropped: 1, classifyCancelled: 1 });
    t.analysis.complete();
  });

  it("removes an ended track's request from a full queue instead of dropping a live track's, uncounted as a drop", async () => {
    resetStageStats();
    const t = setup(2);
    await t.frame('cam1', 0, [
      { track: 8, hits: 900 },
      { track: 9, hits: 900 },
    ]);
    // Both classify slots are busy; two requests fill the queue.
    await t.frame('cam1', 1, [
      { track: 3, hits: 10 },
      { track: 4, hits: 50 },
    ]);
    // Tracks 3 and 4 end while they wait. Queued priorities stay as they were while live tracks' only fall
    // (hits grow): kept as live, track 4's request would be evicted by track 1 and counted as a drop, and
    // track 2 would be dropped itself because track 3's request outranks it.
    await t.frame(
      'cam1',
      2,
      [],
      [
        { track: 3, hits: 10 },
        { track: 4, hits: 50 },
      ],
    );
    await t.frame('cam1', 3, [
      { track: 1, hits: 40 },
      { track: 2, hits: 60 },
    ]);
    expect(t.analysis.stats()).toMatchObject({ classifyDropped: 0, classifyCancelled: 2 });
    expect(stageStats(DEMOGRAPHICS_QUEUE_STAGE)).toMatchObject({ dropped: { stale: 2 }, queueDepth: 2 });
    expect(stageStats(DEMOGRAPHICS_QUEUE_STAGE)?.dropped.priority).toBeUndefined();

    // Both live tracks are served as slots free up; the ended ones never run.
    await t.answer('0#8');
    await t.answer('0#9');
    expect(t.classified()).toEqual(['0#8', '0#9', '0#1', '0#2']);
    await t.answer('0#1');
    await t.answer('0#2');
    await t.frame('cam1', 4, [
      { track: 1, hits: 41 },
      { track: 2, hits: 61 },
    ]);
    const attributes = t.lastOutput('cam1').attributes!;
    expect(attributes[1]).toMatchObject({ demographics: { age: 10, gender: 'male', samples: 1 } });
    expect(attributes[2]).toMatchObject({ demographics: { age: 20, gender: 'female', samples: 1 } });
    expect(t.analysis.stats()).toMatchObject({ classified: 4, classifyDropped: 0, classifyCancelled: 2 });
    t.analysis.complete();
  });

  it('stops classifying a settled track; a borderline one keeps sampling up to maxSamples', async () => {
    const run = async (demographics: Record<string, unknown>) => {
      const t = setup(128, demographics);
      for (let seq = 0; seq < 20; seq++) {
        await t.frame('cam1', seq, [
          { track: 1, hits: 10 + seq },
          { track: 21, hits: 10 + seq },
        ]);
        for (const face of ['0#1', '0#21']) {
          if (t.classified().filter((f) => f === face).length > 0)
            await t.answer(face).catch(() => undefined);
        }
      }
      const count = (face: string) => t.classified().filter((f) => f === face).length;
      return { clear: count('0#1'), borderline: count('0#21'), attributes: t.lastOutput('cam1').attributes };
    };
    // Default settle: 5 samples, gender confidence >= 0.85, age spread <= 5 years.
    const settled = await run({});
    expect(settled.clear).toBe(5);
    expect(settled.borderline).toBe(15); // maxSamples
    expect(settled.attributes?.[1]).toMatchObject({ demographics: { gender: 'male', age: 10, samples: 5 } });
    // settle: false samples every track up to maxSamples.
    const always = await run({ settle: false });
    expect(always.clear).toBe(15);
    expect(always.borderline).toBe(15);
  });
});
