import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { interval, lastValueFrom, map, takeUntil, toArray } from 'rxjs';
import { createShutdown, type Shutdown, type StopOutcome, type StopPhase } from '../../src/runtime/shutdown';
import { jsonlSink } from '../../src/sinks/jsonl';
import { packageRoot } from '../../src/util/paths';
import { tempDir } from '../sinks/support';

const TEST_SIGNAL: NodeJS.Signals = 'SIGUSR2';

/** Delivers a signal to our own listeners synchronously (no real signal, so jest is not involved). */
function emitSignal(signal: NodeJS.Signals = TEST_SIGNAL): void {
  process.emit(signal, signal);
}

describe('createShutdown', () => {
  const controllers: Shutdown[] = [];
  const make = (options: Parameters<typeof createShutdown>[0] = {}) => {
    const exits: StopOutcome[] = [];
    const s = createShutdown({ signals: [TEST_SIGNAL], exit: (code) => exits.push(code), ...options });
    controllers.push(s);
    return { s, exits };
  };
  afterEach(() => controllers.splice(0).forEach((s) => s.dispose()));

  it('fires shutdown$ once on the first signal, runs the phases in order and ends interrupted', async () => {
    const { s, exits } = make();
    const order: string[] = [];
    const phases: StopPhase[] = ['database', 'pools', 'sinks', 'drain', 'sources'];
    for (const phase of phases) {
      s.onStop(
        `${phase}-hook`,
        async () => {
          await new Promise((r) => setImmediate(r));
          order.push(phase);
        },
        phase,
      );
    }
    const fired: string[] = [];
    s.shutdown$.subscribe((r) => fired.push(r.reason));
    emitSignal();
    expect(s.stopping).toBe(true);
    expect(await s.done).toBe('interrupted');
    expect(order).toEqual(['sources', 'drain', 'sinks', 'pools', 'database']);
    expect(fired).toEqual([TEST_SIGNAL]);
    expect(exits).toEqual(['interrupted']);
    // Late subscribers still learn that the shutdown happened.
    const late: string[] = [];
    s.shutdown$.subscribe((r) => late.push(r.reason));
    expect(late).toEqual([TEST_SIGNAL]);
  });

  it('forces exit(interrupted) on a second signal while a phase is still running', async () => {
    const { s, exits } = make({ deadlineMs: 60_000 });
    let release!: () => void;
    const hookStarted = new Promise<void>((started) =>
      s.onStop('slow flush', () => {
        started();
        return new Promise<void>((r) => (release = r));
      }),
    );
    emitSignal();
    await hookStarted;
    expect(exits).toEqual([]);
    emitSignal();
    expect(exits).toEqual(['interrupted']);
    release();
    await s.done;
    expect(exits).toEqual(['interrupted']); // exit is called once only
  });

  it('run(work) stops completed when the work completes, after the stop hooks ran', async () => {
    const { s, exits } = make();
    const closed: string[] = [];
    s.onStop('pool', () => closed.push('pool'), 'pools');
    const code = await s.run(Promise.resolve('ok'));
    expect(code).toBe('completed');
    expect(closed).toEqual(['pool']);
    expect(exits).toEqual(['completed']);
  });

  it('run(work) stops failed when the work fails, and still closes everything', async () => {
    const { s, exits } = make();
    const closed: string[] = [];
    s.onStop('db', () => closed.push('db'), 'database');
    const code = await s.run(Promise.reject(new Error('stage crashed')));
    expect(code).toBe('failed');
    expect(closed).toEqual(['db']);
    expect(exits).toEqual(['failed']);
  });

  it('gives up on a phase at the deadline and still runs the later phases', async () => {
    const { s } = make({ deadlineMs: 20, graceMs: 20 });
    const closed: string[] = [];
    s.onStop('hangs', () => new Promise(() => undefined), 'drain');
    s.onStop('db', () => closed.push('db'), 'database');
    expect(await s.request('test')).toBe('failed'); // an unfinished phase is not a clean stop
    expect(closed).toEqual(['db']);
  });

  it('a failing hook makes the outcome failed but does not stop the later phases', async () => {
    const { s } = make();
    const closed: string[] = [];
    s.onStop('bad flush', () => Promise.reject(new Error('disk full')), 'sinks');
    s.onStop('db', () => closed.push('db'), 'database');
    expect(await s.request('test')).toBe('failed');
    expect(closed).toEqual(['db']);
  });

  it('unregistered hooks do not run', async () => {
    const { s } = make();
    const ran: string[] = [];
    const off = s.onStop('gone', () => ran.push('gone'));
    s.onStop('kept', () => ran.push('kept'));
    off();
    await s.request('test');
    expect(ran).toEqual(['kept']);
  });

  it('stops a source through takeUntil(shutdown$) and the sinks phase waits for the jsonl flush', async () => {
    const { s } = make({ deadlineMs: 10_000 });
    const tmp = tempDir('shutdown');
    try {
      const file = path.join(tmp.dir, 'out.jsonl');
      let produced = 0;
      const acks = lastValueFrom(
        interval(1).pipe(
          takeUntil(s.shutdown$),
          map((i) => ({ i, n: ++produced })),
          jsonlSink(file, { batchSize: 1_000_000, flushEveryMs: 3_600_000, shutdown: s }),
          toArray(),
        ),
      );
      while (produced < 10) await new Promise((r) => setTimeout(r, 5));
      expect(await s.request('done')).toBe('completed');
      const lines = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).i);
      expect(lines).toEqual(Array.from({ length: produced }, (_, i) => i));
      expect((await acks).reduce((n, a) => n + a.rows, 0)).toBe(produced);
    } finally {
      tmp.remove();
    }
  });
});

describe('graceful shutdown of a child process (compiled dist/)', () => {
  const fixture = path.join(__dirname, 'fixtures', 'graceful-child.cjs');
  const compiled = path.join(packageRoot(), 'dist', 'src', 'runtime', 'shutdown.js');

  beforeAll(() => {
    if (!existsSync(compiled))
      throw new Error(`${compiled} is missing: run \`npx tsc -p tsconfig.json\` first`);
  });

  function start(file: string, mode: 'graceful' | 'stuck'): { child: ChildProcess; stdout: () => string } {
    const child = spawn(process.execPath, [fixture, file, mode], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, RXVISION_LOG_LEVEL: 'warn' },
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.resume();
    return { child, stdout: () => out };
  }

  function waitFor(child: ChildProcess, stdout: () => string, text: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (stdout().includes(text)) {
          child.stdout!.off('data', check);
          child.off('exit', onExit);
          resolve();
        }
      };
      const onExit = (code: number | null) =>
        reject(new Error(`child exited (${code}) before printing "${text}"`));
      child.stdout!.on('data', check);
      child.once('exit', onExit);
      check();
    });
  }

  const exitCode = (child: ChildProcess): Promise<number | null> =>
    new Promise((resolve) => child.once('exit', (code) => resolve(code)));

  it('on SIGTERM stops the source, flushes every produced row to the file and exits with 130', async () => {
    const tmp = tempDir('child');
    try {
      const file = path.join(tmp.dir, 'rows.jsonl');
      const { child, stdout } = start(file, 'graceful');
      const exited = exitCode(child);
      await waitFor(child, stdout, 'ready');
      child.kill('SIGTERM');
      expect(await exited).toBe(130);
      const report = /produced=(\d+) written=(\d+)/.exec(stdout());
      expect(report).not.toBeNull();
      const produced = Number(report![1]);
      expect(produced).toBeGreaterThanOrEqual(20);
      expect(Number(report![2])).toBe(produced);
      const seqs = readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).seq);
      expect(seqs).toEqual(Array.from({ length: produced }, (_, i) => i));
    } finally {
      tmp.remove();
    }
  });

  it('a second signal forces exit(130) while the stop sequence is stuck', async () => {
    const tmp = tempDir('child-stuck');
    try {
      const { child, stdout } = start(path.join(tmp.dir, 'rows.jsonl'), 'stuck');
      const exited = exitCode(child);
      await waitFor(child, stdout, 'ready');
      child.kill('SIGTERM');
      await waitFor(child, stdout, 'stopping');
      child.kill('SIGTERM');
      expect(await exited).toBe(130);
      // The stuck phase never finished, so the last phase's report was never printed.
      expect(stdout()).not.toContain('produced=');
    } finally {
      tmp.remove();
    }
  });
});
