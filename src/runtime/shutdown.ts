import { ReplaySubject, isObservable, lastValueFrom, type Observable } from 'rxjs';
import { logger, type Logger } from '../util/logger';

/**
 * Stop phases, run in this order: stop sources (pipelines subscribe to `shutdown$` and abort their
 * sources), wait for in-flight work, flush sinks, close worker pools, close the database.
 */
export const STOP_PHASES = ['sources', 'drain', 'sinks', 'pools', 'database'] as const;
export type StopPhase = (typeof STOP_PHASES)[number];

/**
 * How a stop sequence ended: `completed` (the work ended and every phase finished), `failed` (the work
 * failed, a hook failed or a phase ran out of time) or `interrupted` (a signal started it). The CLI maps
 * this to its exit code; the runtime knows no exit codes.
 */
export type StopOutcome = 'completed' | 'failed' | 'interrupted';

/** Why the stop sequence started. */
export interface ShutdownReason {
  /** 'SIGINT', 'SIGTERM', 'completed', 'failed' or whatever {@link Shutdown.request} was given. */
  reason: string;
  /** Set when a signal started it. */
  signal?: NodeJS.Signals;
}

/** Options of {@link createShutdown}. */
export interface ShutdownOptions {
  /** Time the stop sequence may take, counted from the first signal/request (default 10 s). */
  deadlineMs?: number;
  /** Minimum time each phase gets even after the deadline passed, so pools and the database still close (default 1 s). */
  graceMs?: number;
  /** Signals that start a graceful stop; a second one forces exit (default SIGINT and SIGTERM). */
  signals?: NodeJS.Signals[];
  /**
   * Called once with the outcome when the stop sequence ends, or with `interrupted` at once on a second
   * signal (default: `process.exit` with 0, 1 or 130).
   */
  exit?: (outcome: StopOutcome) => void;
  log?: Logger;
}

/** A stop hook: runs once in its phase; may return a promise the phase waits for (until its budget runs out). */
export type StopHook = () => unknown;

/** The graceful-shutdown controller returned by {@link createShutdown}. */
export interface Shutdown {
  /** Emits once (and completes) when the stop sequence starts; late subscribers get it too. */
  readonly shutdown$: Observable<ShutdownReason>;
  /** Resolves with the outcome once every phase ran. */
  readonly done: Promise<StopOutcome>;
  /** True once a signal or request started the stop sequence. */
  readonly stopping: boolean;
  /** Registers a hook for a phase (default 'sinks'); returns a function that unregisters it. */
  onStop(name: string, hook: StopHook, phase?: StopPhase): () => void;
  /** Work the 'drain' phase waits for (e.g. `lastValueFrom(pipeline)`); its failure makes the outcome `failed`. */
  track(work: Promise<unknown> | Observable<unknown>): void;
  /**
   * Tracks `work` and starts the stop sequence when it settles (`completed`, or `failed` if it failed),
   * unless a signal started it first (then `interrupted`). Resolves like {@link done}.
   */
  run(work?: Promise<unknown> | Observable<unknown>): Promise<StopOutcome>;
  /** Starts the stop sequence from code (for example when a frame limit is reached); default outcome `completed`. */
  request(reason: string, outcome?: StopOutcome): Promise<StopOutcome>;
  /** Removes the signal handlers. */
  dispose(): void;
}

interface RegisteredHook {
  name: string;
  hook: StopHook;
  phase: StopPhase;
}

/**
 * The conventional process exit code of each outcome (130 = 128 + SIGINT). The default `exit` uses it and
 * the CLI's exit codes are built on it.
 */
export const STOP_OUTCOME_EXIT_CODES = {
  completed: 0,
  failed: 1,
  interrupted: 130,
} as const satisfies Record<StopOutcome, number>;

/**
 * Creates the process's graceful-shutdown controller. The first SIGINT/SIGTERM (or {@link Shutdown.request})
 * fires `shutdown$`, then runs the stop hooks phase by phase ({@link STOP_PHASES}); `exit` then gets the
 * outcome (`interrupted` after a signal). A second signal calls `exit('interrupted')` at once, without
 * waiting for the phases.
 */
export function createShutdown(options: ShutdownOptions = {}): Shutdown {
  const deadlineMs = options.deadlineMs ?? 10_000;
  const graceMs = options.graceMs ?? 1_000;
  const signals = options.signals ?? ['SIGINT', 'SIGTERM'];
  const exit = options.exit ?? ((outcome: StopOutcome) => process.exit(STOP_OUTCOME_EXIT_CODES[outcome]));
  const log = (options.log ?? logger()).child({ component: 'shutdown' });

  const subject = new ReplaySubject<ShutdownReason>(1);
  const hooks: RegisteredHook[] = [];
  const tracked: Promise<unknown>[] = [];
  let workFailed = false;
  let stopping = false;
  let exited = false;
  let resolveDone!: (outcome: StopOutcome) => void;
  const done = new Promise<StopOutcome>((resolve) => (resolveDone = resolve));

  const exitOnce = (outcome: StopOutcome): void => {
    if (exited) return;
    exited = true;
    exit(outcome);
  };

  const runPhase = async (phase: StopPhase, until: number): Promise<boolean> => {
    const waits: Promise<unknown>[] = hooks
      .filter((h) => h.phase === phase)
      .map(async (h) => {
        try {
          await h.hook();
        } catch (err) {
          log.error({ err, hook: h.name, phase }, `stop hook ${h.name} (${phase}) failed`);
          throw err;
        }
      });
    if (phase === 'drain') waits.push(...tracked.map((work) => work.catch(() => undefined)));
    if (waits.length === 0) return true;
    const all = Promise.allSettled(waits);
    // A ref'd timer: a hook stuck on nothing (no open handle) must not let Node end the process with code 0
    // before the sequence finishes; the phase's deadline keeps it alive and then moves on.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), Math.max(0, until - Date.now()));
    });
    const outcome = await Promise.race([all, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout') {
      log.warn({ phase }, `stop phase ${phase} did not finish in time; moving on`);
      return false;
    }
    return outcome.every((r) => r.status === 'fulfilled');
  };

  const stop = (reason: ShutdownReason, requested: StopOutcome): Promise<StopOutcome> => {
    if (stopping) return done;
    stopping = true;
    const deadline = Date.now() + deadlineMs;
    log.info({ reason: reason.reason, deadlineMs }, 'stopping');
    subject.next(reason);
    subject.complete();
    void (async () => {
      let clean = true;
      for (const phase of STOP_PHASES) {
        clean = (await runPhase(phase, Math.max(deadline, Date.now() + graceMs))) && clean;
      }
      const outcome = requested === 'completed' && (workFailed || !clean) ? 'failed' : requested;
      log.info({ reason: reason.reason, outcome, clean }, 'stopped');
      resolveDone(outcome);
      exitOnce(outcome);
    })();
    return done;
  };

  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      exitOnce('interrupted');
      return;
    }
    void stop({ reason: signal, signal }, 'interrupted');
  };
  for (const signal of signals) process.on(signal, onSignal);

  const asPromise = (work: Promise<unknown> | Observable<unknown>): Promise<unknown> =>
    isObservable(work) ? lastValueFrom(work, { defaultValue: undefined }) : work;

  const track = (work: Promise<unknown> | Observable<unknown>): Promise<unknown> => {
    const promise = asPromise(work).catch((err: unknown) => {
      workFailed = true;
      log.error({ err }, 'pipeline failed');
      throw err;
    });
    promise.catch(() => undefined);
    tracked.push(promise);
    return promise;
  };

  return {
    shutdown$: subject.asObservable(),
    done,
    get stopping() {
      return stopping;
    },
    onStop(name, hook, phase = 'sinks') {
      const entry: RegisteredHook = { name, hook, phase };
      hooks.push(entry);
      return () => {
        const i = hooks.indexOf(entry);
        if (i >= 0) hooks.splice(i, 1);
      };
    },
    track(work) {
      track(work);
    },
    run(work) {
      if (work !== undefined) {
        track(work).then(
          () => stop({ reason: 'completed' }, 'completed'),
          () => stop({ reason: 'failed' }, 'failed'),
        );
      }
      return done;
    },
    request(reason, outcome = 'completed') {
      return stop({ reason }, outcome);
    },
    dispose() {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
}
