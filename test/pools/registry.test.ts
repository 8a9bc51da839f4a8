import { autoConfigure } from '../../src/pools/autoconfig';
import { ConfigError } from '../../src/config/errors';
import { parseConfig } from '../../src/config/load';
import { PoolClosedError } from '../../src/pools/errors';
import {
  closeAllPools,
  configurePools,
  defaultTimeoutPolicy,
  ORT_POOL_KINDS,
  getPool,
  resolvePoolSize,
  sharedPools,
} from '../../src/pools/registry';
import { workerPath } from '../../src/util/paths';
import type { EchoApi } from '../../workers/echo';

const ECHO = workerPath('echo');
const GiB = 1024 ** 3;

afterEach(async () => {
  await closeAllPools();
  configurePools(undefined);
});

describe('shared pool registry', () => {
  it('gives every caller the same pool of a kind', async () => {
    configurePools({ hash: { size: 1 } });
    const a = getPool<EchoApi>('hash', { worker: ECHO });
    const b = getPool<EchoApi>('hash', { worker: ECHO });
    expect(b).toBe(a);
    expect(getPool<EchoApi>('hash')).toBe(a);
    expect(sharedPools.get('hash')).toBe(a);
    expect([...sharedPools.keys()]).toEqual(['hash']);
    expect(await a.run('echo', ['shared'])).toBe('shared');
  });

  it('sizes a pool from pools.<kind>.size in the config, then the spec, then auto-configuration', () => {
    const auto = autoConfigure({
      cpus: 2,
      totalMemBytes: 24 * GiB,
      freeMemBytes: 20 * GiB,
      platform: 'linux',
    });
    configurePools({ detect: { size: 3, taskTimeoutMs: 1234 } }, auto);
    expect(resolvePoolSize('detect')).toEqual({ size: 3, reason: 'pools.detect.size in the config' });
    expect(resolvePoolSize('detect', 5).size).toBe(3);
    expect(resolvePoolSize('hash', 5)).toEqual({ size: 5, reason: 'set by the pipeline' });
    expect(resolvePoolSize('hash')).toEqual(auto.pools.hash);
    expect(resolvePoolSize('ocr').size).toBe(1);
    const pool = getPool<EchoApi>('detect', { worker: ECHO });
    expect(pool.size).toBe(3);
  });

  it('abandons timed-out tasks of onnxruntime pools by default; config, then spec, override it', () => {
    configurePools({
      detect: { size: 1 },
      embed: { size: 1, onTimeout: 'terminate' },
      classify: { size: 1 },
      hash: { size: 1 },
      encode: { size: 1 },
      thumbs: { size: 1, onTimeout: 'abandon' },
    });
    expect(getPool('detect', { worker: ECHO }).onTimeout).toBe('abandon');
    expect(getPool('classify', { worker: ECHO }).onTimeout).toBe('abandon');
    // Its workers declare ORT when they load the optional embedding model; until then they may be terminated.
    expect(getPool('hash', { worker: ECHO }).onTimeout).toBe('terminate');
    expect(getPool('encode', { worker: ECHO }).onTimeout).toBe('terminate'); // sharp only
    expect(getPool('embed', { worker: ECHO, onTimeout: 'abandon' }).onTimeout).toBe('terminate');
    expect(getPool('thumbs', { worker: ECHO }).onTimeout).toBe('abandon');
    expect(getPool('ocr', { worker: ECHO, size: 1, onTimeout: 'abandon' }).onTimeout).toBe('abandon');
    expect(ORT_POOL_KINDS.map(defaultTimeoutPolicy)).toEqual(ORT_POOL_KINDS.map(() => 'abandon'));
  });

  it('reads pools.<kind>.onTimeout from the config and names the field when it is wrong', () => {
    const config = parseConfig({ pools: { detect: { onTimeout: 'terminate' } } }, 'c.json');
    expect(config.pools?.detect).toEqual({ onTimeout: 'terminate' });
    let error: unknown;
    try {
      parseConfig({ pools: { embed: { onTimeout: 'kill' } } }, 'c.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const issue = (error as ConfigError).issues.find((i) => i.path === 'pools.embed.onTimeout');
    expect(issue?.message).toMatch(/terminate.*abandon/);
  });

  it('refuses to reuse a kind for another worker file', () => {
    configurePools({ embed: { size: 1 } });
    getPool('embed', { worker: ECHO });
    expect(() => getPool('embed', { worker: workerPath('testing/bad-init') })).toThrow(/already runs worker/);
  });

  it('needs a spec to create a pool', () => {
    expect(() => getPool('classify')).toThrow(/does not exist yet/);
  });

  it('closeAllPools drains, terminates and forgets every pool', async () => {
    configurePools({ hash: { size: 1 }, encode: { size: 1 } });
    const hash = getPool<EchoApi>('hash', { worker: ECHO });
    const encode = getPool<EchoApi>('encode', { worker: ECHO });
    const pending = hash.run('sleep', [50, 'drained']);
    await closeAllPools({ drainMs: 10_000 });
    expect((await pending).tag).toBe('drained');
    expect(sharedPools.size).toBe(0);
    await expect(hash.run('echo', [1])).rejects.toBeInstanceOf(PoolClosedError);
    await expect(encode.run('echo', [1])).rejects.toBeInstanceOf(PoolClosedError);
  });
});
