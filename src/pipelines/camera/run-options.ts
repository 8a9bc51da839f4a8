/** The options and results of {@link runChannels} (./run-channels). */
import type { OperatorFunction } from 'rxjs';
import type { ChannelConfig } from '../../config/schema/channel';
import type { Database } from '../../db';
import type { Frame } from '../../kernels/frame';
import type { Shutdown } from '../../runtime/shutdown';
import type { Logger } from '../../util/logger';
import type { DetectFn, FrameResult } from './channel';
import type { ChannelSummary } from './channel-summary';
import type { RowCounts } from './run-rows';
import type { ChannelStatusEvent } from './sources/frame-source';
import type { ChannelWantsPixels } from './sources/wants-pixels';

/** Where the results go. */
export type ChannelOutput = { type: 'database'; db?: Database } | { type: 'jsonl'; dir: string };

/** Options of `runChannels`. */
export interface RunChannelsOptions {
  /** The config file the run came from (stored with the run). */
  configFile?: string;
  output?: ChannelOutput;
  /** Stop each channel after this many frames (the CLI's --frames). */
  maxFrames?: number;
  /** Stop every channel after this long (the CLI's --duration). */
  durationMs?: number;
  /** Graceful stop: sources stop on its first signal, sinks flush before the process exits. */
  shutdown?: Shutdown;
  /**
   * Live display of the per-channel totals (the CLI's status line): built from the totals map once the
   * run is set up, started before frames flow and stopped when the run ends. Default: none.
   */
  statusLine?: false | ((channels: ReadonlyMap<string, Readonly<ChannelSummary>>) => RunDisplay);
  /** Extension stages per channel (Re-ID, gender/age...). */
  stages?: (channel: ChannelConfig) => Array<OperatorFunction<FrameResult, FrameResult>>;
  /** Detection function (default: the shared `detect` worker pool). */
  detect?: (channel: ChannelConfig) => DetectFn;
  /** Results of every channel as they are produced (library users, the live view). */
  onResult?: (result: FrameResult) => void;
  /** Each frame just before detection (see `ChannelDeps.tapFrame`; the live view copies pixels here). */
  tapFrame?: (frame: Frame) => void;
  /**
   * With `tapFrame`: whether it wants a channel's pixels now (the live view: someone watches the channel).
   * Periodic full frames nobody wants are skipped at the decoder. Default: always.
   */
  wantsPixels?: ChannelWantsPixels;
  /** Source lifecycle events of every channel (the live view's event log). */
  onStatus?: (event: ChannelStatusEvent) => void;
  /** Called once the run is set up, before frames flow: its id, live per-channel totals, the database. */
  onStart?: (run: RunStarted) => void;
  /**
   * Cluster mode (`cluster.enabled` in the config when not given): this process runs only the channels it
   * leases (see src/cluster). Needs a PostgreSQL `database.url` and database output.
   */
  cluster?: boolean;
  /** Spool directory for rows while the database is unreachable (default ./data/spool). */
  spoolDir?: string;
  log?: Logger;
}

/** What `onStart` gets: the per-channel totals are updated in place as the run goes on. */
export interface RunStarted {
  runId: number;
  channels: ReadonlyMap<string, Readonly<ChannelSummary>>;
  database?: Database;
}

/** What `runChannels` returns. */
export interface RunChannelsSummary {
  runId: number;
  /** The cluster node this process was (cluster mode only). */
  nodeId?: string;
  channels: ChannelSummary[];
  rows: RowCounts;
  elapsedMs: number;
}

/** A live display of a run's totals (see {@link RunChannelsOptions.statusLine}). */
export interface RunDisplay {
  start(): void;
  stop(): void;
}
