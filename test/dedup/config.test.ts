import path from 'node:path';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/config/errors';
import { settingsFromOptions, type DedupCommandOptions } from '../../src/cli/commands/dedup';
import { verifySettingsKey } from '../../src/pipelines/dedup/pairs';
import { dedupSettingsSchema } from '../../src/config/schema/dedup-settings';
import { scratchDir } from '../config/helpers';

describe('dedup jobs in config files', () => {
  const scratch = scratchDir();
  afterAll(() => scratch.cleanup());

  test('paths are resolved against the config file and settings get defaults', async () => {
    const file = scratch.write('dedup.json', {
      dedup: [
        {
          id: 'photos',
          root: 'pics',
          out: '../reports/pics',
          exclude: ['tmp/**'],
          settings: {
            features: { embedding: { model: 'models/emb.onnx' } },
            actions: { action: 'move', targetDir: 'dups' },
          },
        },
      ],
    });
    const config = await loadConfig(file);
    const job = config.dedup![0];
    expect(job.root).toBe(path.join(scratch.dir, 'pics'));
    expect(job.out).toBe(path.resolve(scratch.dir, '../reports/pics'));
    expect(job.settings!.features.embedding!.model).toBe(path.join(scratch.dir, 'models/emb.onnx'));
    expect(job.settings!.actions.targetDir).toBe(path.join(scratch.dir, 'dups'));
    expect(job.settings!.verify.maxHashDistance).toBe(12);
    expect(job.settings!.actions.confirm).toBe(false);
  });

  test.each([
    [{ id: 'a', root: 'x', roots: 'y' }, 'roots'],
    [{ id: 'a', root: 'x', settings: { verify: { maxHashDistanse: 3 } } }, 'maxHashDistanse'],
    [{ id: 'a', root: 'x', settings: { features: { hsvBins: { h: 8, s: 4, v: 4, x: 1 } } } }, 'x'],
  ])('a misspelt key is an error naming it (%#)', async (job, key) => {
    const file = scratch.write('bad.json', { dedup: [job] });
    const err = await loadConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain(key);
  });

  test('command-line flags override the job settings', () => {
    const opts = {
      out: '/r',
      action: 'delete',
      cache: true,
      progress: true,
      flip: true,
      confirm: true,
    } as DedupCommandOptions;
    const s = settingsFromOptions(opts, {
      id: 'j',
      root: '/x',
      settings: settingsFromOptions({
        out: '/r',
        action: 'report',
        cache: true,
        progress: true,
      } as DedupCommandOptions),
    });
    expect(s.features.variants).toBe(true);
    expect(s.actions.action).toBe('delete');
    expect(s.actions.targetDir).toBe('/r/trash');
    expect(s.actions.confirm).toBe(true);
  });

  test('--max-image-pixels sets the decompression-bomb limit, over the job settings', () => {
    const base = { out: '/r', action: 'report', cache: true, progress: true } as DedupCommandOptions;
    const job = {
      id: 'j',
      root: '/x',
      settings: dedupSettingsSchema.parse({ features: { limitInputPixels: 500 } }),
    };
    expect(settingsFromOptions(base).features.limitInputPixels).toBe(100_000_000);
    expect(settingsFromOptions(base, job).features.limitInputPixels).toBe(500);
    expect(settingsFromOptions({ ...base, maxImagePixels: 64 }, job).features.limitInputPixels).toBe(64);
  });

  test('the working set comes from the job settings, --working-set overrides it, and it keys no stored pair', () => {
    const base = { out: '/r', action: 'report', cache: true, progress: true } as DedupCommandOptions;
    expect(settingsFromOptions(base).verify.workingSet).toBe(32_768);
    const job = { id: 'j', root: '/x', settings: dedupSettingsSchema.parse({ verify: { workingSet: 500 } }) };
    expect(settingsFromOptions(base, job).verify.workingSet).toBe(500);
    const s = settingsFromOptions({ ...base, workingSet: 64 }, job);
    expect(s.verify.workingSet).toBe(64);
    expect(verifySettingsKey(s.verify)).toBe(verifySettingsKey(settingsFromOptions(base).verify));
    expect(() => dedupSettingsSchema.parse({ verify: { workingSet: 1 } })).toThrow();
  });
});
