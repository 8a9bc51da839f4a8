/**
 * A real RTSP server for the live-stream tests: GStreamer's gst-rtsp-server (test/helpers/rtsp-server.py)
 * serving a sample video as H.264 at 25 FPS, one session per client, at rtsp://127.0.0.1:<port>/live.
 * It can be stopped and started again on the same port (a camera that goes away and comes back).
 *
 * Needs the Debian packages python3-gi, gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-good and
 * gstreamer1.0-plugins-bad (scripts/test.sh installs them); without them `startRtspServer` fails with
 * a message naming them, never skips.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { assetPath } from '../../src/assets';

const execFileAsync = promisify(execFile);
const SCRIPT = path.join(__dirname, 'rtsp-server.py');
const PACKAGES = 'python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-good gstreamer1.0-plugins-bad';

/**
 * The sample video (assets/samples/vtest.avi, a street scene with pedestrians) as H.264 at 25 FPS with a
 * keyframe every second, `repeat` times in a row, in Matroska: encoded once per machine into the temp
 * folder, so the server only sends it (no encoder running beside the pipeline under test).
 */
export async function sampleH264(repeat = 3, source = assetPath('samples', 'vtest.avi')): Promise<string> {
  const out = path.join(os.tmpdir(), `rxvision-rtsp-${path.parse(source).name}-x${repeat}.mkv`);
  if (existsSync(out)) return out;
  const partial = `${out}.${process.pid}.partial.mkv`;
  await execFileAsync('ffmpeg', [
    ...['-hide_banner', '-loglevel', 'error', '-y', '-stream_loop', String(repeat - 1), '-i', source],
    ...['-an', '-r', '25', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency'],
    ...['-g', '25', '-bf', '0', '-pix_fmt', 'yuv420p', partial],
  ]);
  renameSync(partial, out);
  return out;
}

/** A running (or stopped) RTSP server. */
export interface RtspServer {
  /** The stream's URL (stays the same across stop/start). */
  readonly url: string;
  readonly port: number;
  /** Kills the server: its clients' connections drop at once. */
  stop(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  running(): boolean;
}

function launch(port: number, file: string): Promise<{ proc: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn('/usr/bin/python3', [SCRIPT, String(port), file], {
      // stdin stays open while this process lives: the server quits when it closes (no orphan servers).
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`rtsp-server.py did not start in 15 s: ${err}`));
    }, 15_000);
    proc.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /READY (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ proc, port: Number(m[1]) });
      }
    });
    proc.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    proc.once('exit', (code) => {
      clearTimeout(timer);
      const missing = /No module named 'gi'|Namespace GstRtspServer not available|no element/i.test(err);
      reject(
        new Error(
          `rtsp-server.py exited with code ${code}: ${err.trim()}` +
            (missing ? ` (install the Debian packages ${PACKAGES}, as scripts/test.sh does)` : ''),
        ),
      );
    });
  });
}

/** Starts the RTSP server on `port` (default: a free one) serving `file` (default {@link sampleH264}). */
export async function startRtspServer(options: { port?: number; file?: string } = {}): Promise<RtspServer> {
  const file = options.file ?? (await sampleH264());
  let current: ChildProcess | undefined;
  const first = await launch(options.port ?? 0, file);
  current = first.proc;
  const port = first.port;
  return {
    url: `rtsp://127.0.0.1:${port}/live`,
    port,
    running: () => current !== undefined,
    async stop() {
      const proc = current;
      current = undefined;
      if (!proc || proc.exitCode !== null) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGKILL');
      await exited;
    },
    async start() {
      if (current) return;
      // The port was just released: retry briefly in case the kernel still holds it.
      for (let attempt = 0; ; attempt++) {
        try {
          current = (await launch(port, file)).proc;
          return;
        } catch (err) {
          if (attempt >= 10) throw err;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    },
  };
}
