import type { ChannelConfig } from '../../../config/schema/channel';
import type { TrackerOptions } from './tracker';

/** The tracker options of a channel's `tracker` settings (the config says `kalman` for `useKalman`). */
export function trackerOptions(settings: ChannelConfig['tracker']): TrackerOptions {
  const { kalman, ...rest } = settings;
  return { ...rest, useKalman: kalman };
}
