/**
 * The full face pipeline as fast as possible: detection + tracking, then with Re-ID (embed pool) and
 * gender/age (classify pool behind the priority queue) switched on, 1 to 12 channels of Megamind.avi (a
 * face in most frames), in the same run. Detection-only runs are the baseline for each channel count.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assetPath } from '../src/assets';
import { parseConfig } from '../src/config';
import { runChannels } from '../src/pipelines/camera/run-channels';
import { stopPools, warmDetectPool, warmFacePools } from './lib/camera';
import { fmt, ratio, sleep } from './lib/measure';
import type { BenchDefinition, CaseContext } from './lib/types';

interface FacesRun {
  channels: number;
  faces: boolean;
  frames: number;
  seconds: number;
  fps: number;
  identities: number;
  tracksWithAge: number;
}

function config(channels: number, faces: boolean, maxFrames: number) {
  return parseConfig(
    {
      pools: { detect: { size: 2 }, embed: { size: 1 }, classify: { size: 1 } },
      channelDefaults: {
        pace: 'asap',
        maxFrames,
        ...(faces ? { reid: { enabled: true }, demographics: { enabled: true } } : {}),
      },
      channels: Array.from({ length: channels }, (_, i) => ({
        id: `cam${i + 1}`,
        source: assetPath('samples', 'Megamind.avi'),
      })),
    },
    'bench-faces.json',
  );
}

async function runOnce(channels: number, faces: boolean, maxFrames: number): Promise<FacesRun> {
  const cfg = config(channels, faces, maxFrames);
  await warmDetectPool(cfg);
  await warmFacePools(cfg);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-bench-faces-'));
  try {
    await sleep(200);
    const start = performance.now();
    let identities = 0;
    let tracksWithAge = 0;
    const summary = await runChannels(cfg, {
      output: { type: 'jsonl', dir },
      statusLine: false,
      onResult: (r) => {
        for (const attrs of Object.values(r.attributes ?? {})) {
          if (attrs.identityId) identities++;
          if (attrs.age !== undefined) tracksWithAge++;
        }
      },
    });
    const seconds = (performance.now() - start) / 1000;
    const frames = summary.channels.reduce((s, c) => s + c.frames, 0);
    const failed = summary.channels.filter((c) => c.state === 'failed');
    if (failed.length)
      throw new Error(`channels failed: ${failed.map((c) => `${c.id}: ${c.error}`).join('; ')}`);
    return { channels, faces, frames, seconds, fps: frames / seconds, identities, tracksWithAge };
  } finally {
    await stopPools();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runCase(_caseId: string, ctx: CaseContext): Promise<FacesRun[]> {
  const counts = ctx.quick ? [1, 4] : [1, 2, 4, 8, 12];
  const maxFrames = ctx.quick ? 120 : 200;
  const runs: FacesRun[] = [];
  // The first run also converts the face-api models to ONNX if they are not cached yet: keep it out.
  await runOnce(1, true, 30);
  for (const n of counts) {
    for (const faces of [false, true]) {
      const m = await runOnce(n, faces, maxFrames);
      ctx.progress(`${n} channel(s), ${faces ? 'Re-ID + gender/age' : 'detection only'}: ${fmt(m.fps)} FPS`);
      runs.push(m);
    }
  }
  return runs;
}

export const cameraFaces: BenchDefinition = {
  name: 'camera-faces',
  title: 'Full face pipeline (Re-ID + gender/age) as fast as possible, 1 to 12 channels',
  caseTimeoutMs: (quick) => (quick ? 240_000 : 600_000),
  runCase,
  summarize(data) {
    const runs = data.main as FacesRun[];
    const counts = [...new Set(runs.map((r) => r.channels))];
    const find = (n: number, faces: boolean) => runs.find((r) => r.channels === n && r.faces === faces)!;
    return {
      baseline: 'detection + tracking only, same channel count, same run',
      tables: [
        {
          columns: [
            'channels',
            'detection only (FPS)',
            'with Re-ID + gender/age (FPS)',
            'vs detection only',
            'face results with identity / age',
          ],
          rows: counts.map((n) => {
            const off = find(n, false);
            const on = find(n, true);
            return [
              n,
              fmt(off.fps),
              fmt(on.fps),
              ratio(on.fps, off.fps),
              `${on.identities} / ${on.tracksWithAge}`,
            ];
          }),
        },
      ],
      notes: [
        'Channels all play Megamind.avi (720x528, a face in most frames) at pace asap; detect pool 2 workers, ' +
          'embed and classify pools 1 worker each, JSON Lines output. Target of the issue: >= 250 FPS in total.',
      ],
      data: runs,
    };
  },
};
