/**
 * The thread boundary at run time: main-thread modules that use pure kernel code (detector keys, letterbox
 * geometry, feature comparisons) must not load the native add-ons the workers use. Each check runs in a
 * fresh `node` process against dist/ (build first), so jest's own module registry plays no part.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const NATIVE = ['onnxruntime-node', '@u4/opencv4nodejs'];

/** Which of `packages` are in require.cache after requiring `modules` (paths under dist/). */
function loadedBy(modules: string[], packages: string[]): string[] {
  const script = `
    for (const m of ${JSON.stringify(modules)}) require(require('node:path').join(${JSON.stringify(ROOT)}, 'dist', m));
    const keys = Object.keys(require.cache);
    const loaded = ${JSON.stringify(packages)}.filter((p) => keys.some((k) => k.includes('/node_modules/' + p + '/')));
    process.stdout.write(JSON.stringify(loaded));
  `;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as string[];
}

test('the check itself sees a native add-on when a worker-side kernel is required', () => {
  expect(loadedBy(['src/kernels/detectors/open'], NATIVE)).toEqual(['onnxruntime-node']);
}, 30_000);

test.each([
  ['the camera runner', 'src/pipelines/camera/run-channels'],
  ['the dedup job', 'src/pipelines/dedup/job'],
  ['the pure detector barrel', 'src/kernels/detectors/index'],
  ['the pools barrel', 'src/pools/index'],
])(
  '%s loads neither onnxruntime-node nor OpenCV',
  (_what, module) => {
    expect(loadedBy([module], NATIVE)).toEqual([]);
  },
  30_000,
);

test('dedup verification helpers (hamming, colour, SSIM, pixels) load no native add-on, sharp included', () => {
  const pure = ['hamming', 'colour', 'ssim', 'pixels', 'hashes', 'file-hash'].map(
    (f) => `src/kernels/features/${f}`,
  );
  expect(loadedBy(pure, [...NATIVE, 'sharp'])).toEqual([]);
}, 30_000);
