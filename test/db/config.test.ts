import path from 'node:path';
import { resolveDatabaseConfig } from '../../src/db';
import { isMemoryDataDir, pgliteDataDir } from '../../src/db/config';
import { parseInt8 } from '../../src/db/postgres-pool';

describe('resolveDatabaseConfig', () => {
  const file = { url: 'postgres://file/db', dataDir: '/from/file', poolSize: 4 };
  const env = { RXVISION_DATABASE_URL: 'postgres://env/db' };

  it('prefers --url over everything, keeping the file pool size', () => {
    expect(resolveDatabaseConfig({ url: 'postgres://flag/db', dataDir: '/flag' }, file, env)).toEqual({
      url: 'postgres://flag/db',
      poolSize: 4,
    });
  });

  it('takes --data-dir as an explicit embedded database over the environment and the file', () => {
    expect(resolveDatabaseConfig({ dataDir: '/flag' }, file, env)).toEqual({ dataDir: '/flag' });
  });

  it('takes RXVISION_DATABASE_URL over the config file', () => {
    expect(resolveDatabaseConfig({}, file, env)).toEqual({ url: 'postgres://env/db', poolSize: 4 });
  });

  it('falls back to the config file, then to nothing (PGlite default)', () => {
    expect(resolveDatabaseConfig({}, file, {})).toEqual(file);
    expect(resolveDatabaseConfig({}, undefined, {})).toEqual({});
  });
});

describe('PGlite data directory', () => {
  it('maps both memory spellings to memory://', () => {
    expect(pgliteDataDir(':memory:')).toBe('memory://');
    expect(pgliteDataDir('memory://')).toBe('memory://');
    expect(isMemoryDataDir('./memory')).toBe(false);
  });

  it('resolves relative directories and defaults to ./data/db', () => {
    expect(pgliteDataDir('rel/db')).toBe(path.resolve('rel/db'));
    expect(pgliteDataDir(undefined)).toBe(path.resolve('data/db'));
  });
});

describe('parseInt8', () => {
  it('gives numbers within the safe range and bigints beyond it, like PGlite', () => {
    expect(parseInt8('42')).toBe(42);
    expect(parseInt8('-9007199254740991')).toBe(-9007199254740991);
    expect(parseInt8('9007199254740992')).toBe(9007199254740992n);
  });
});
