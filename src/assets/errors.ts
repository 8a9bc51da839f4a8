import { CliError, ExitCode } from '../cli/exit-codes';

/** A required asset is not installed; the message tells the user to run `pipeline assets fetch`. */
export class AssetMissingError extends CliError {
  constructor(
    readonly assetId: string,
    readonly missingPath: string,
  ) {
    super(
      `asset ${assetId} is missing (${missingPath}): run \`pipeline assets fetch\` ` +
        `(or \`pipeline assets fetch --only ${assetId}\`)`,
      ExitCode.assets,
    );
    this.name = 'AssetMissingError';
  }
}

/** One or more assets could not be downloaded, verified or installed (CLI exit code 3). */
export class AssetFetchError extends CliError {
  constructor(
    message: string,
    /** Ids of the assets that failed. */
    readonly assetIds: readonly string[],
  ) {
    super(message, ExitCode.assets);
    this.name = 'AssetFetchError';
  }
}
