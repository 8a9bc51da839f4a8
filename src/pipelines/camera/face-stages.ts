/** Which face stages (Re-ID, gender/age) a channel's config enables. */
import type { ChannelConfig } from '../../config/schema/channel';
import type { DemographicsConfig } from '../../config/schema/demographics';
import type { ReidConfig } from '../../config/schema/reid';

/** The enabled face stages of a channel, each with its settings; both undefined when none is. */
export interface FaceStages {
  reid?: ReidConfig;
  demographics?: DemographicsConfig;
}

/** See {@link FaceStages}. */
export function faceStagesOf(channel: ChannelConfig): FaceStages {
  return {
    reid: channel.reid?.enabled ? channel.reid : undefined,
    demographics: channel.demographics?.enabled ? channel.demographics : undefined,
  };
}

/** Whether the channel runs a face stage, which then needs face crops cut from full frames. */
export function usesFaceCrops(channel: ChannelConfig): boolean {
  const { reid, demographics } = faceStagesOf(channel);
  return reid !== undefined || demographics !== undefined;
}
