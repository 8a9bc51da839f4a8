import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { assetPath } from '../../src/assets';
import { openDatabase } from '../../src/db';
import { Command } from 'commander';
import {
  registerRunCommand,
  webSettingsFor,
  withRunFlags,
  type RunOptions,
} from '../../src/cli/commands/run';
import { parseConfig } from '../../src/config';
import { packageRoot } from '../../src/util/paths';

/** The run command alone, with its action replaced: parsing only, nothing runs. */
function program(): Command {
  const root = new Command().exitOverride();
  registerRunCommand(root);
  for (const command of root.commands) command.action(() => undefined);
  return root;
}

const cli = path.join(packageRoot(), 'dist', 'src', 'cli', 'main.js');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the compiled CLI; `onStderr` may send signals once the run is under way. */
function runCli(
  args: string[],
  onStderr?: (text: string, child: ReturnType<typeof spawn>) => void,
): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr += d;
      onStderr?.(stderr, child);
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function writeConfig(dir: string, config: object): string {
  const file = path.join(dir, 'channels.json');
  writeFileSync(file, JSON.stringify(config));
  return file;
}

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));

describe('pipeline run', () => {
  it('drains and flushes on SIGINT, then exits 130 with every produced row written', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-run-'));
    const out = path.join(dir, 'out');
    const file = writeConfig(dir, {
      channels: [
        { id: 'loop', source: assetPath('samples', 'Megamind.avi'), loop: true, pace: 50 },
        { id: 'street', source: assetPath('samples', 'vtest.avi'), loop: true },
      ],
    });
    let signalled = false;
    const ran = await runCli(['run', file, '--jsonl', out, '--json'], (stderr, child) => {
      // Both channels live: let frames flow a moment, then interrupt.
      if (!signalled && (stderr.match(/"state":"live"/g) ?? []).length >= 2) {
        signalled = true;
        setTimeout(() => child.kill('SIGINT'), 1500);
      }
    });
    expect(signalled).toBe(true);
    expect(ran.code).toBe(130);
    const summary = JSON.parse(ran.stdout.trim().split('\n').at(-1)!);
    const loop = summary.channels.find((c: { id: string }) => c.id === 'loop');
    expect(loop.frames).toBeGreaterThan(10);
    // Nothing accepted is lost: the files hold exactly what the summary counted.
    expect(lines(path.join(out, 'detections.jsonl'))).toHaveLength(summary.rows.detections);
    expect(summary.rows.detections).toBe(
      loop.faces + summary.channels.find((c: { id: string }) => c.id === 'street').faces,
    );
    const states = lines(path.join(out, 'channel_status_events.jsonl')).map(
      (e) => `${e.channel_id}:${e.state}`,
    );
    expect(states).toEqual(expect.arrayContaining(['loop:live', 'loop:ended', 'street:ended']));
  });

  it('runs a bounded run into the embedded database', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-run-'));
    const file = writeConfig(dir, {
      database: { dataDir: 'db' },
      channels: [{ id: 'mega', source: assetPath('samples', 'Megamind.avi'), pace: 'asap' }],
    });
    const ran = await runCli(['run', file, '--frames', '30', '--json']);
    expect(ran.code).toBe(0);
    const summary = JSON.parse(ran.stdout.trim().split('\n').at(-1)!);
    expect(summary.channels[0]).toMatchObject({ id: 'mega', frames: 30, state: 'ended' });
    const database = await openDatabase({ dataDir: path.join(dir, 'db') });
    try {
      const { count } = await database.db
        .selectFrom('detections')
        .select((eb) => eb.fn.countAll<number>().as('count'))
        .executeTakeFirstOrThrow();
      expect(Number(count)).toBe(summary.rows.detections);
      expect(Number(count)).toBeGreaterThan(10);
    } finally {
      await database.close();
    }
  }, 180_000);

  it('exits 2 with the file and field named on an invalid config', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-run-'));
    const file = writeConfig(dir, { channels: [{ id: 'x', source: 'a.avi', pace: 'slow' }] });
    const ran = await runCli(['run', file]);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toContain(file);
    expect(ran.stderr).toContain('channels[0].pace');
  });

  it('takes web.allowedHosts and web.maxStreams from flags, over the config', () => {
    const config = parseConfig(
      { web: { allowedHosts: ['cfg.example'], maxStreams: 4, port: 9000 } },
      'w.json',
    );
    expect(webSettingsFor(config, {})).toMatchObject({
      allowedHosts: ['cfg.example'],
      maxStreams: 4,
      port: 9000,
    });
    const flags = program().parse(
      ['run', 'w.json', '--web-allowed-hosts', 'cam.example, .lan', '--web-max-streams', '2'],
      { from: 'user' },
    );
    const opts = flags.commands.find((c) => c.name() === 'run')!.opts();
    expect(webSettingsFor(config, opts)).toMatchObject({
      allowedHosts: ['cam.example', '.lan'],
      maxStreams: 2,
      port: 9000,
    });
  });

  it('lists the web flags in --help and rejects bad values, naming the flag', async () => {
    const help = await runCli(['run', '--help']);
    expect(help.stdout).toMatch(
      /--max-image-pixels <n>[\s\S]*--web-allowed-hosts <hosts>[\s\S]*--web-max-streams <n>/,
    );
    const streams = await runCli(['run', 'whatever.json', '--web-max-streams', '0']);
    expect(streams.code).toBe(2);
    expect(streams.stderr).toMatch(/--web-max-streams must be a positive integer, got "0"/);
    const hosts = await runCli(['run', 'whatever.json', '--web-allowed-hosts', ' , ']);
    expect(hosts.code).toBe(2);
    expect(hosts.stderr).toMatch(/--web-allowed-hosts needs at least one host name/);
  });

  it("--max-image-pixels sets every channel's image pixel limit, over the config", () => {
    const config = parseConfig(
      {
        channels: [
          { id: 'a', source: 'frames/' },
          { id: 'b', source: 'more/', maxImagePixels: 5 },
        ],
      },
      'p.json',
    );
    expect(withRunFlags(config, { status: true }).channels!.map((c) => c.maxImagePixels)).toEqual([
      40_000_000, 5,
    ]);
    const opts = program()
      .parse(['run', 'p.json', '--max-image-pixels', '1000'], { from: 'user' })
      .commands[0].opts<RunOptions>();
    expect(withRunFlags(config, opts).channels!.map((c) => c.maxImagePixels)).toEqual([1000, 1000]);
  });

  it('rejects a bad --frames value', async () => {
    const ran = await runCli(['run', 'whatever.json', '--frames', 'ten']);
    expect(ran.code).toBe(2);
    expect(ran.stderr).toMatch(/--frames must be a positive integer/);
  });
});
