export {
  createTracker,
  type Tracker,
  type TrackerOptions,
  type Track,
  type TrackState,
  type TrackEvent,
  type TrackEventType,
  type TrackUpdate,
  type TrackedDetection,
  TRACKER_DEFAULTS,
} from './tracker';
export { trackerOptions } from './options';
export { hungarian } from './hungarian';
export { BoxKalman } from './kalman';
