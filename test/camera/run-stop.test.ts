import { Subject } from 'rxjs';
import { DURATION_START_GRACE_MS, wireStop } from '../../src/pipelines/camera/run-stop';
import type { ChannelStatusEvent } from '../../src/pipelines/camera/sources/frame-source';

const event = (state: ChannelStatusEvent['state']): ChannelStatusEvent => ({ channel: 'c', state, at: 0 });

describe('wireStop (fake timers)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('counts the duration from the first channel going live', () => {
    const abort = new AbortController();
    const status$ = new Subject<ChannelStatusEvent>();
    const unhook = wireStop(abort, { durationMs: 8000 }, status$);
    jest.advanceTimersByTime(30_000); // start-up: database, models
    status$.next(event('connecting'));
    expect(abort.signal.aborted).toBe(false);
    status$.next(event('live'));
    jest.advanceTimersByTime(7999);
    expect(abort.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(abort.signal.aborted).toBe(true);
    unhook();
  });

  it('starts counting anyway when no channel goes live in time', () => {
    const abort = new AbortController();
    const status$ = new Subject<ChannelStatusEvent>();
    const unhook = wireStop(abort, { durationMs: 1000 }, status$);
    jest.advanceTimersByTime(DURATION_START_GRACE_MS + 999);
    expect(abort.signal.aborted).toBe(false);
    jest.advanceTimersByTime(1);
    expect(abort.signal.aborted).toBe(true);
    unhook();
  });

  it('counts from now without a status stream, and unhooks cleanly', () => {
    const abort = new AbortController();
    wireStop(abort, { durationMs: 500 })();
    jest.advanceTimersByTime(1000);
    expect(abort.signal.aborted).toBe(false);
  });
});
