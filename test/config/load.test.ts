import path from 'node:path';
import {
  ConfigError,
  loadConfig,
  parseConfig,
  resolveConfigPath,
  validateConfigFile,
} from '../../src/config';
import { scratchDir } from './helpers';

const scratch = scratchDir();
afterAll(() => scratch.cleanup());

const validConfig = {
  $schema: './rxvision.schema.json',
  database: { dataDir: 'db', poolSize: 4 },
  pools: { detect: { size: 2, taskTimeoutMs: 5000 }, hash: { size: 1 } },
  log: { level: 'debug' },
  channels: [
    { id: 'cam1', source: 'videos/a.avi' },
    { id: 'cam2', source: 'rtsp://cam/stream', enabled: false },
  ],
  dedup: [{ id: 'photos', root: '/photos' }],
  web: { enabled: true },
  metrics: { enabled: true },
};

function issuesOf(fn: () => unknown): ConfigError['issues'] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig', () => {
  it('accepts a complete valid config and applies defaults', () => {
    const config = parseConfig(validConfig, 'inline.json');
    expect(config.channels?.map((c) => [c.id, c.enabled])).toEqual([
      ['cam1', true],
      ['cam2', false],
    ]);
    expect(config.web).toMatchObject({ enabled: true, host: '127.0.0.1', port: 8080 });
    expect(config.pools?.detect).toEqual({ size: 2, taskTimeoutMs: 5000 });
    expect(config.database?.dataDir).toBe('db'); // parseConfig leaves paths as written
  });

  it('accepts an empty object', () => {
    expect(parseConfig({}, 'empty.json')).toEqual({});
  });

  it('reports an unknown key with its JSON path and a spelling hint', () => {
    const issues = issuesOf(() =>
      parseConfig(
        {
          channels: [
            { id: 'a', source: 'x.avi' },
            { id: 'b', source: 'y.avi' },
          ],
          databse: {},
        },
        'c.json',
      ),
    );
    expect(issues).toEqual([
      {
        file: 'c.json',
        path: 'databse',
        message: expect.stringContaining('unknown key "databse" (did you mean "database"?)'),
      },
    ]);
  });

  it('reports unknown keys nested in pools and web, listing the allowed keys', () => {
    const issues = issuesOf(() =>
      parseConfig({ pools: { detect: { sise: 2 } }, web: { prot: 1 } }, 'c.json'),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(['pools.detect.sise', 'web.prot']);
    const sise = issues.find((i) => i.path === 'pools.detect.sise');
    expect(sise?.message).toContain('did you mean "size"?');
    expect(sise?.message).toContain('expected one of: size, taskTimeoutMs');
  });

  it('reports a wrong type with what was expected and what was found', () => {
    const issues = issuesOf(() => parseConfig({ channels: [{ id: 'a', source: 42 }] }, 'c.json'));
    expect(issues).toEqual([
      { file: 'c.json', path: 'channels[0].source', message: 'expected string, found 42' },
    ]);
  });

  it('reports a missing required field', () => {
    const issues = issuesOf(() => parseConfig({ dedup: [{ id: 'j' }] }, 'c.json'));
    expect(issues).toEqual([
      {
        file: 'c.json',
        path: 'dedup[0].root',
        message: 'expected string, found nothing (the field is required)',
      },
    ]);
  });

  it('reports range, enum and integer violations', () => {
    const issues = issuesOf(() =>
      parseConfig({ pools: { detect: { size: 0, taskTimeoutMs: 1.5 } }, log: { level: 'loud' } }, 'c.json'),
    );
    const byPath = Object.fromEntries(issues.map((i) => [i.path, i.message]));
    expect(byPath['pools.detect.size']).toMatch(/>=\s?1.*found 0$/);
    expect(byPath['pools.detect.taskTimeoutMs']).toMatch(/^expected int.*found 1\.5$/);
    expect(byPath['log.level']).toMatch(/^expected "trace" \| "debug" .*found "loud"$/);
  });

  it('rejects an upper-case pool kind', () => {
    const issues = issuesOf(() => parseConfig({ pools: { Detect: { size: 1 } } }, 'c.json'));
    expect(issues).toHaveLength(1);
    expect(issues[0].path).toBe('pools.Detect');
    expect(issues[0].message).toContain('lowercase pool kind');
  });

  it('reports a duplicate channel id at the repeated item', () => {
    const issues = issuesOf(() =>
      parseConfig(
        {
          channels: [
            { id: 'cam1', source: 'a.avi' },
            { id: 'cam2', source: 'b.avi' },
            { id: 'cam1', source: 'c.avi' },
          ],
        },
        'c.json',
      ),
    );
    expect(issues).toEqual([
      {
        file: 'c.json',
        path: 'channels[2].id',
        message: 'expected a unique channel id, found "cam1" which is also the id of [0]',
      },
    ]);
  });

  it('reports a duplicate dedup job id', () => {
    const issues = issuesOf(() =>
      parseConfig(
        {
          dedup: [
            { id: 'j', root: 'a' },
            { id: 'j', root: 'b' },
          ],
        },
        'c.json',
      ),
    );
    expect(issues.map((i) => i.path)).toEqual(['dedup[1].id']);
  });

  it('reports all errors at once, including duplicates next to other invalid items', () => {
    const issues = issuesOf(() =>
      parseConfig(
        {
          extra: true,
          database: { url: 'mysql://x', poolSize: 'ten' },
          channels: [
            { id: 'cam1', source: 'a.avi' },
            { id: 'cam1', source: 'b.avi' },
            { id: 'cam3', source: 7 },
          ],
          web: { port: 70000 },
        },
        'c.json',
      ),
    );
    expect(issues.map((i) => i.path).sort()).toEqual(
      [
        'extra',
        'database.url',
        'database.poolSize',
        'channels[1].id',
        'channels[2].source',
        'web.port',
      ].sort(),
    );
  });

  it('reports channels and dedup that are not arrays as a wrong type only', () => {
    const issues = issuesOf(() => parseConfig({ channels: 'cam1', dedup: { id: 'x' } }, 'c.json'));
    expect(issues).toEqual([
      { file: 'c.json', path: 'channels', message: 'expected array, found "cam1"' },
      { file: 'c.json', path: 'dedup', message: 'expected array, found an object' },
    ]);
  });

  it('rejects a root that is not an object', () => {
    const issues = issuesOf(() => parseConfig([1, 2], 'c.json'));
    expect(issues).toEqual([
      { file: 'c.json', path: '', message: 'expected object, found an array of 2 items' },
    ]);
  });

  it('treats a "__proto__" key as an unknown key, not as a prototype', () => {
    const issues = issuesOf(() => parseConfig(JSON.parse('{"__proto__": {"x": 1}}'), 'c.json'));
    expect(issues).toEqual([
      { file: 'c.json', path: '__proto__', message: expect.stringContaining('unknown key "__proto__"') },
    ]);
  });

  it('redacts credentials of a URL shown as the found value', () => {
    const issues = issuesOf(() => parseConfig({ database: { url: 'mysql://root:hunter22@db/x' } }, 'c.json'));
    expect(issues[0].message).not.toContain('hunter22');
    expect(issues[0].message).toContain('mysql://***@db/x');
  });
});

describe('loadConfig and validateConfigFile', () => {
  it('loads a file and resolves dataDir relative to the config folder', async () => {
    const file = scratch.write('ok.json', validConfig);
    const config = await loadConfig(file);
    expect(config.database?.dataDir).toBe(path.join(scratch.dir, 'db'));
    expect(config.channels).toHaveLength(2);
  });

  it('keeps an absolute dataDir as written', async () => {
    const file = scratch.write('abs.json', { database: { dataDir: '/var/lib/rx' } });
    expect((await loadConfig(file)).database?.dataDir).toBe('/var/lib/rx');
  });

  it('reports bad JSON with line:column', async () => {
    const file = scratch.write('bad.json', '{\n  "channels": [\n    { "id": "a" "source": "x" }\n  ]\n}\n');
    const result = await validateConfigFile(file);
    expect(result).toEqual({
      ok: false,
      file,
      issues: [
        {
          file,
          path: '',
          message: `invalid JSON at line 3:17: expected ',' or '}' after a property value, found '"'`,
        },
      ],
    });
    await expect(loadConfig(file)).rejects.toBeInstanceOf(ConfigError);
  });

  it('reports a trailing comma and an empty file', async () => {
    const trailing = await validateConfigFile(scratch.write('trailing.json', '{"log": {"level": "info"},}'));
    expect(!trailing.ok && trailing.issues[0].message).toBe(
      "invalid JSON at line 1:27: expected a double-quoted property name, found '}'",
    );
    const empty = await validateConfigFile(scratch.write('empty.json', ''));
    expect(!empty.ok && empty.issues[0].message).toMatch(
      /^invalid JSON at line 1:1: expected a value .* found end of file$/,
    );
  });

  it('accepts a UTF-8 byte order mark', async () => {
    const file = scratch.write('bom.json', '\uFEFF{"log": {"level": "warn"}}');
    expect((await loadConfig(file)).log?.level).toBe('warn');
  });

  it('reports an unreadable file as a ConfigError naming it', async () => {
    const missing = path.join(scratch.dir, 'nope.json');
    await expect(loadConfig(missing)).rejects.toMatchObject({
      name: 'ConfigError',
      issues: [{ file: missing, path: '', message: 'file not found' }],
    });
    await expect(loadConfig(scratch.dir)).rejects.toMatchObject({
      issues: [{ message: 'expected a file, found a directory' }],
    });
  });

  it('formats the error message as one line per issue', async () => {
    const file = scratch.write('two.json', { log: { level: 1 }, web: { port: 'x' } });
    const err = await loadConfig(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message.split('\n')).toEqual([
      `${file}: log.level: expected "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "silent", found 1`,
      `${file}: web.port: expected number, found "x"`,
    ]);
  });
});

describe('resolveConfigPath', () => {
  it('resolves relative paths against the config folder and keeps absolute paths and URLs', () => {
    expect(resolveConfigPath('/etc/rx/cfg.json', '../media/a.avi')).toBe('/etc/media/a.avi');
    expect(resolveConfigPath('/etc/rx/cfg.json', './a.avi')).toBe('/etc/rx/a.avi');
    expect(resolveConfigPath('/etc/rx/cfg.json', '/dev/video0')).toBe('/dev/video0');
    expect(resolveConfigPath('/etc/rx/cfg.json', 'rtsp://u:p@cam/1')).toBe('rtsp://u:p@cam/1');
    expect(resolveConfigPath('cfg.json', 'a.avi')).toBe(path.resolve('a.avi'));
  });
});
