/**
 * "Who wants full-frame pixels": the one predicate behind the decoder's periodic full frames. The face
 * stages want them while a track still collects samples (their crop demand), the live view while someone
 * watches the channel. Frames nobody wants are drained from the decoder unread and go on with the detector
 * input only.
 */

/** Whether anything wants the pixels of the full frame due now. */
export type WantsPixels = () => boolean;

/** The {@link WantsPixels} of each channel of a run, by channel id (e.g. the live view's watchers). */
export type ChannelWantsPixels = (channel: string) => boolean;

/**
 * A predicate wanting pixels when any of `predicates` does; undefined when none is given (nothing on the
 * channel ever wants pixels, so no full frames are decoded at all).
 */
export function anyWantsPixels(...predicates: Array<WantsPixels | undefined>): WantsPixels | undefined {
  const defined = predicates.filter((p): p is WantsPixels => p !== undefined);
  if (defined.length === 0) return undefined;
  return () => defined.some((p) => p());
}
