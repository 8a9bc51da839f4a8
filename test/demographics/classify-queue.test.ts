/**
 * `classifyInQueue`: every request leaves the operator as one outcome (classified, failed, dropped for its
 * priority, cancelled while it waited), so the subscriber alone updates the tracks.
 */
import { Subject } from 'rxjs';
import type { AgeGender } from '../../src/kernels/faces/face-models';
import {
  classifyInQueue,
  type ClassifyOutcome,
  type ClassifyRequest,
} from '../../src/pipelines/camera/demographics/classify-queue';
import { settle } from '../helpers/face-frames';

const model = { type: 'face-api' } as ClassifyRequest['model'];
const request = (owner: string, priority: number): ClassifyRequest<string> => ({
  model,
  crop: new Uint8Array(3),
  priority,
  cancelled: false,
  owner,
});
const answer = (age: number): AgeGender => ({ age, male: 0.9 });

/** A classify function whose calls wait until the test answers them. */
function heldClassify() {
  const calls: Array<{ resolve: (r: AgeGender) => void; reject: (e: Error) => void }> = [];
  const classify = () => new Promise<AgeGender>((resolve, reject) => calls.push({ resolve, reject }));
  return { calls, classify };
}

const summary = (o: ClassifyOutcome<string>) => `${o.request.owner}:${o.status}`;

describe('classifyInQueue', () => {
  it('emits each request once with what became of it', async () => {
    const { calls, classify } = heldClassify();
    const requests$ = new Subject<ClassifyRequest<string>>();
    const outcomes: Array<ClassifyOutcome<string>> = [];
    let completed = false;
    requests$.pipe(classifyInQueue<string>({ capacity: 1, classify, concurrency: 1 })).subscribe({
      next: (o) => outcomes.push(o),
      complete: () => (completed = true),
    });

    const busy = request('busy', 0);
    requests$.next(busy); // taken at once: the only classify slot
    requests$.next(request('low', 1)); // waits (capacity 1)
    requests$.next(request('high', 5)); // the queue is full: 'low' is dropped for its priority
    expect(outcomes.map(summary)).toEqual(['low:dropped']);

    calls[0].resolve(answer(30));
    await settle();
    expect(outcomes.map(summary)).toEqual(['low:dropped', 'busy:classified']);
    expect(outcomes[1]).toMatchObject({ status: 'classified', result: { age: 30 } });

    calls[1].reject(new Error('worker died'));
    await settle();
    expect(outcomes.map(summary).slice(2)).toEqual(['high:failed']);

    // A request whose track ends while it waits leaves unclassified, without a classify call.
    requests$.next(request('slow', 0));
    const ended = request('ended', 0);
    requests$.next(ended);
    ended.cancelled = true;
    calls[2].resolve(answer(40));
    await settle();
    expect(outcomes.map(summary).slice(3)).toEqual(['slow:classified', 'ended:cancelled']);
    expect(calls).toHaveLength(3);

    requests$.complete();
    await settle();
    expect(completed).toBe(true);
  });
});
