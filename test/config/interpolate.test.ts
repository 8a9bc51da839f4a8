import { ConfigError, interpolateEnv, loadConfig, parseConfig, validateConfigFile } from '../../src/config';
import { scratchDir } from './helpers';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());

describe('interpolateEnv', () => {
  const env = { HOST: 'db.local', PORT: '5432', EMPTY: '' };

  it('replaces ${NAME} and ${NAME:-default} in every string value, not in keys', () => {
    const doc = { '${HOST}': 'a', list: ['x${HOST}y', 3, null, { deep: '${PORT}/${MISSING:-d}' }] };
    const result = interpolateEnv(doc, 'f.json', env);
    expect(result.issues).toEqual([]);
    expect(result.value).toEqual({ '${HOST}': 'a', list: ['xdb.localy', 3, null, { deep: '5432/d' }] });
    expect([...result.interpolatedPaths.keys()]).toEqual(['list[0]', 'list[3].deep']);
    expect(result.secrets).toEqual(new Set(['db.local', '5432']));
  });

  it('uses the default for an empty variable, and an empty value when no default is given', () => {
    expect(interpolateEnv({ a: '${EMPTY:-fallback}', b: '<${EMPTY}>' }, 'f', env).value).toEqual({
      a: 'fallback',
      b: '<>',
    });
  });

  it('keeps $${ as a literal ${', () => {
    expect(interpolateEnv({ a: 'cost $${HOST}' }, 'f', env).value).toEqual({ a: 'cost ${HOST}' });
  });

  it('reports every missing variable with file, JSON path and name', () => {
    const result = interpolateEnv(
      { database: { url: '${DB_URL}' }, web: { token: '${TOKEN}' } },
      'f.json',
      env,
    );
    expect(result.issues).toEqual([
      {
        file: 'f.json',
        path: 'database.url',
        message: expect.stringContaining('environment variable DB_URL is not set'),
      },
      {
        file: 'f.json',
        path: 'web.token',
        message: expect.stringContaining('environment variable TOKEN is not set'),
      },
    ]);
  });

  it('reports a malformed reference', () => {
    const result = interpolateEnv({ a: '${1BAD}', b: 'open ${' }, 'f.json', env);
    expect(result.issues.map((i) => i.path)).toEqual(['a', 'b']);
    expect(result.issues[0].message).toContain('expected a variable reference like ${NAME}');
  });
});

describe('interpolation in config loading', () => {
  it('substitutes environment values before validation', () => {
    const config = parseConfig(
      { database: { url: '${DB_URL}' }, web: { port: 8080, token: '${TOKEN:-dev}' } },
      'c.json',
      { env: { DB_URL: 'postgres://app:s3cret@db:5432/rx' } },
    );
    expect(config.database?.url).toBe('postgres://app:s3cret@db:5432/rx');
    expect(config.web?.token).toBe('dev');
  });

  it('fails with the missing variable named and reports other issues too', async () => {
    const file = scratch.write('missing.json', { database: { url: '${DB_URL}' }, log: { level: 'x' } });
    const result = await validateConfigFile(file, { env: {} });
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues).toEqual([
      { file, path: 'database.url', message: expect.stringContaining('DB_URL is not set') },
      { file, path: 'log.level', message: expect.stringContaining('found "x"') },
    ]);
  });

  it('never echoes an interpolated value in an error message', async () => {
    const secret = 'mysql://admin:Tr0ub4dor&3@prod-db:3306/main';
    const file = scratch.write('secret.json', {
      database: { url: '${DB_URL}' },
      channels: [{ id: 'c', source: 'rtsp://${CAM_PASS}@cam/1', extra: '${CAM_PASS}' }],
      log: { level: '${LEVEL}' },
    });
    const env = { DB_URL: secret, CAM_PASS: 'Tr0ub4dor&3', LEVEL: 'very-secret-level' };
    const err = await loadConfig(file, { env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const text = JSON.stringify((err as ConfigError).issues) + (err as Error).message;
    for (const value of ['Tr0ub4dor', 'very-secret-level', 'prod-db']) expect(text).not.toContain(value);
    const byPath = Object.fromEntries((err as ConfigError).issues.map((i) => [i.path, i.message]));
    expect(byPath['database.url']).toContain('found a value from ${DB_URL} (');
    expect(byPath['log.level']).toContain('found a value from ${LEVEL} (17 characters, not shown)');
    expect(byPath['channels[0].extra']).toContain('unknown key "extra"');
  });

  it('reads process.env by default', () => {
    process.env.RXVISION_TEST_LEVEL = 'warn';
    try {
      expect(parseConfig({ log: { level: '${RXVISION_TEST_LEVEL}' } }, 'c.json').log?.level).toBe('warn');
    } finally {
      delete process.env.RXVISION_TEST_LEVEL;
    }
  });
});
