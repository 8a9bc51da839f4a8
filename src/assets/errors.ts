/**
 * A required asset is not installed; the message tells the user to run `pipeline assets fetch`
 * (CLI exit code 3).
 */
export class AssetMissingError extends Error {
  constructor(
    readonly assetId: string,
    readonly missingPath: string,
  ) {
    super(
      `asset ${assetId} is missing (${missingPath}): run \`pipeline assets fetch\` ` +
        `(or \`pipeline assets fetch --only ${assetId}\`)`,
    );
    this.name = 'AssetMissingError';
  }
}

/** One or more assets could not be downloaded, verified or installed (CLI exit code 3). */
export class AssetFetchError extends Error {
  constructor(
    message: string,
    /** Ids of the assets that failed. */
    readonly assetIds: readonly string[],
  ) {
    super(message);
    this.name = 'AssetFetchError';
  }
}
