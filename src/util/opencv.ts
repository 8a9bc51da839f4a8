/**
 * Loads @u4/opencv4nodejs with its import-time chatter silenced. Its loader prints "config no
 * opencv4nodejs section found" and OpenCVBuildEnv lines through console.log/console.error; users must not
 * see them. Load OpenCV only in long-lived threads: reloading it after a worker was terminated crashes.
 */
import type * as OpenCV from '@u4/opencv4nodejs';

export type CV = typeof OpenCV;

let cv: CV | undefined;

export function loadOpenCV(): CV {
  if (cv) return cv;
  process.env.OPENCV4NODEJS_DISABLE_AUTOBUILD ??= '1';
  const saved = { log: console.log, info: console.info, warn: console.warn, error: console.error };
  const silent = () => undefined;
  console.log = console.info = console.warn = console.error = silent;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require('@u4/opencv4nodejs');
    cv = (mod.default ?? mod) as CV;
  } finally {
    Object.assign(console, saved);
  }
  return cv;
}
