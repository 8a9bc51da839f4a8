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
} from './tracker';
export { hungarian } from './hungarian';
export { BoxKalman } from './kalman';
