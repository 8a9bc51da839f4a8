/**
 * Names of the camera pipeline's metered stages. The stage registry (`stageStats`), the Prometheus labels
 * and the web board all key on these, so they are defined once here instead of repeated as strings.
 */

/** The bounded frame buffer between a channel's source and detection (labelled by channel). */
export const FRAME_BUFFER_STAGE = 'frame-buffer';
/** Detection of a channel's frames in the shared `detect` pool (labelled by channel). */
export const DETECT_STAGE = 'detect';
/** The priority queue of age/gender requests of every channel, in front of the classify pool. */
export const DEMOGRAPHICS_QUEUE_STAGE = 'demographics-queue';
/** Age/gender classification calls taken from {@link DEMOGRAPHICS_QUEUE_STAGE}. */
export const CLASSIFY_STAGE = 'classify';

/** Any of the camera pipeline's stage names. */
export type CameraStage =
  typeof FRAME_BUFFER_STAGE | typeof DETECT_STAGE | typeof DEMOGRAPHICS_QUEUE_STAGE | typeof CLASSIFY_STAGE;
