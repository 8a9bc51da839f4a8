/** Camera channels: sources, detectors, tracker, channel composition and the multi-channel runner. */
export * from '../../kernels/frame';
export * from './channel';
export * from './records';
export * from './run-channels';
export * from '../../kernels/detectors';
export * from './tracker';
export {
  readFrames,
  openReader,
  type ChannelState,
  type ChannelStatusEvent,
  type FrameSourceOptions,
} from './sources/frame-source';
export { parseSource, type SourceKind, type SourceSpec } from './sources/source-uri';
export { SourceError, type RawFrameReader, type SourceInfo } from './sources/raw-reader';
export { probe, openFfmpegReader } from './sources/ffmpeg-reader';
export { openImageFolderReader } from './sources/image-folder-reader';
