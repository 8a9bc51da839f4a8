/**
 * Embedding rxvision as a library: one camera channel as an Observable, composed with plain RxJS.
 *
 *   npm run build && node dist/examples/embed-channel.js assets/samples/Megamind.avi
 *
 * The channel reads the video with FFmpeg, detects faces in the shared `detect` worker pool, tracks them,
 * and here we simply print confirmed tracks; swap the `subscribe` for a sink (`kyselySink`, `jsonlSink`)
 * to store them.
 */
import { filter, mergeMap } from 'rxjs';
import { channelSchema, closeAllPools, createChannel, poolDetect } from '../src';

async function main(): Promise<void> {
  const source = process.argv[2] ?? 'assets/samples/Megamind.avi';
  // Parse through the schema so every default (buffer, tracker, detector) is filled in.
  const config = channelSchema.parse({ id: 'example', source, pace: 'asap', maxFrames: 120 });
  const channel$ = createChannel(config, {
    detect: poolDetect(config),
    onStatus: (e) => console.error(`[${e.channel}] ${e.state}${e.detail ? `: ${e.detail}` : ''}`),
  });
  await new Promise<void>((resolve, reject) =>
    channel$
      .pipe(
        mergeMap((r) => r.tracking.events),
        filter((e) => e.type === 'confirmed' || e.type === 'ended'),
      )
      .subscribe({
        next: (e) =>
          console.log(
            `${e.type} track ${e.track.id} at frame ${e.seq}, best score ${e.track.best.score.toFixed(2)}`,
          ),
        error: reject,
        complete: resolve,
      }),
  );
  await closeAllPools();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
