/**
 * src/pools/kinds.ts: typed shared pools per worker kind (real workers from dist/workers: build first).
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/config/errors';
import { parseConfig } from '../../src/config/load';
import { POOL_KINDS } from '../../src/pools/autoconfig';
import { encodePool, hashPool, KIND_DEFAULTS, WORKER_KINDS } from '../../src/pools/kinds';
import { closeAllPools, configurePools, getPool, sharedPools } from '../../src/pools/registry';
import { workerPath } from '../../src/util/paths';

afterEach(async () => {
  await closeAllPools();
  configurePools(undefined);
});

test('a kind pool is the shared pool of that kind, running its worker file', async () => {
  configurePools({ hash: { size: 1 } });
  const pool = hashPool();
  expect(hashPool()).toBe(pool);
  expect(sharedPools.get('hash')).toBe(pool);
  expect(pool.size).toBe(1);
  expect(() => getPool('hash', { worker: workerPath('echo') })).toThrow(/already runs worker .*hash\.js/);
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'kinds-')), 'a.txt');
  writeFileSync(file, 'abc');
  // The typed API: contentHash exists on the hash worker and answers sha1 hex.
  expect(await pool.run('contentHash', [file])).toBe('a9993e364706816aba3e25717850c26c9cd0d89d');
}, 60_000);

test('the caller chooses size and timeouts, never the worker file', () => {
  const pool = encodePool({ size: 1, onTimeout: 'abandon' });
  expect(pool.size).toBe(1);
  expect(pool.onTimeout).toBe('abandon');
  expect(() => getPool('encode', { worker: workerPath('echo') })).toThrow(/already runs worker .*encode\.js/);
});

test('every auto-configured kind has a worker; every worker kind names an existing file', () => {
  for (const kind of POOL_KINDS) expect(WORKER_KINDS).toContain(kind);
  expect([...WORKER_KINDS].sort()).toEqual(['classify', 'detect', 'embed', 'encode', 'hash']);
  for (const kind of WORKER_KINDS) expect(existsSync(workerPath(KIND_DEFAULTS[kind].worker))).toBe(true);
});

test('a config naming the removed "decode" pool kind fails, saying why', () => {
  let error: unknown;
  try {
    parseConfig({ pools: { decode: { size: 1 } } }, 'c.json');
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const issue = (error as ConfigError).issues.find((i) => i.path.startsWith('pools'));
  expect(issue?.message).toMatch(/"decode" pool kind was removed/);
});
