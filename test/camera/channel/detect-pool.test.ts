/**
 * src/pipelines/camera/detect-pool.ts and warm-pools.ts: a channel's detector runs, and is warmed, in one
 * pool chosen in one place (Haar: the process pool `haar`; others: the detect threads). Real pools from
 * dist/workers: build first.
 */
import { parseConfig } from '../../../src/config';
import { detectPoolFor } from '../../../src/pipelines/camera/detect-pool';
import { warmPools } from '../../../src/pipelines/camera/warm-pools';
import { detectPool, haarPool } from '../../../src/pools/kinds';
import { closeAllPools, configurePools, sharedPools } from '../../../src/pools/registry';

afterEach(async () => {
  await closeAllPools();
  configurePools(undefined);
});

const channels = (...detectors: Array<'haar' | 'blazeface'>) =>
  parseConfig(
    {
      channels: detectors.map((type, i) => ({ id: `c${i}`, source: `c${i}.avi`, detector: { type } })),
    },
    'detect-pool.json',
  ).channels!;

test('Haar channels get the haar process pool, other detectors the detect threads', () => {
  const [haar, blazeface] = channels('haar', 'blazeface');
  expect(detectPoolFor(haar)).toBe(haarPool());
  expect(detectPoolFor(blazeface)).toBe(detectPool());
  expect(detectPoolFor(haar)).not.toBe(detectPoolFor(blazeface));
});

test('warm-up of a Haar-only run starts the haar pool and never the detect threads', async () => {
  configurePools({ haar: { size: 1 } });
  await warmPools(channels('haar'));
  expect(sharedPools.has('haar')).toBe(true);
  expect(sharedPools.has('detect')).toBe(false);
}, 60_000);

test('warm-up of a run with both starts both pools', async () => {
  configurePools({ haar: { size: 1 }, detect: { size: 1 } });
  await warmPools(channels('blazeface', 'haar'));
  expect(sharedPools.has('haar')).toBe(true);
  expect(sharedPools.has('detect')).toBe(true);
}, 60_000);
