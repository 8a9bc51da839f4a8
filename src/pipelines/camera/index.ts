/**
 * `rxvision/camera`: camera channels: sources, detectors, tracker, channel composition, Re-ID and
 * gender/age analysis, row builders and the multi-channel runner.
 */
export * from '../../kernels/frame';
export * from './channel';
export * from './records';
export * from './run-channels';
export * from '../../kernels/detectors';
export * from './tracker';
export {
  createFaceAnalysis,
  loadIdentities,
  poolClassify,
  poolEmbed,
  type ClassifyFn,
  type EmbedFn,
  type FaceAnalysis,
  type FaceAnalysisDeps,
  type FaceAnalysisStats,
  type IdentityRow,
  type SightingRow,
} from './reid/face-analysis';
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
export {
  frameBufferOf,
  LIVE_FRAME_BUFFER,
  PULL_FRAME_BUFFER_CAPACITY,
  type FrameBufferSettings,
} from './sources/frame-buffer';
export { checkReachable, reachableAddress } from './sources/reachable';
// Cluster mode of camera channels (runChannels' `cluster` option): status, leases and the rebalance policy.
export {
  clusterStatus,
  fairShare,
  rebalance,
  runWhileLeased,
  type ClusterStatus,
  type NodeStatus,
  type RebalanceDecision,
  type RebalanceInput,
} from '../../cluster';
export { shareClusterIdentities, type SharedIdentities } from './reid/cluster-identities';
