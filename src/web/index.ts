/**
 * `rxvision/web`: the web surface of a camera run: live view page, status API, MJPEG streams, reports, metrics and
 * health. {@link startWeb} wires a {@link ChannelBoard}, a {@link LiveView} and the server together and
 * hands back the hooks to pass to `runChannels`.
 */
import path from 'node:path';
import type { WebConfig } from '../config/schema/root';
import type { RunChannelsOptions } from '../pipelines/camera/run-channels';
import { logger, type Logger } from '../util/logger';
import { resolveWebToken } from './auth';
import { ChannelBoard } from './channel-board';
import { LiveView, poolEncoder, type EncodeFn } from './live-view';
import { startWebServer, type WebServer } from './server';

export * from './auth';
export * from './channel-board';
export * from './channel-metrics';
export * from './host-check';
export * from './live-view';
export * from '../kernels/overlay';
export * from './page';
export * from './server';
export * from './static-files';

/** The `runChannels` options the web surface needs. */
export type WebRunHooks = Required<
  Pick<RunChannelsOptions, 'onStart' | 'onStatus' | 'onResult' | 'tapFrame' | 'wantsPixels'>
>;

/** A started web surface. */
export interface WebSurface {
  server: WebServer;
  board: ChannelBoard;
  view: LiveView;
  /** Pass these to `runChannels` (merge with your own hooks if you have some). */
  hooks: WebRunHooks;
  /** Stops the server and the board (idempotent). */
  close(): Promise<void>;
}

/** Options of {@link startWeb}. */
export interface StartWebOptions {
  /** The config's `web` section with defaults applied (`webSchema.parse({})` for all defaults). */
  web: WebConfig;
  /** Serve `/metrics` (the config's `metrics.enabled`, default true). */
  metrics?: boolean;
  /** Report folders relative to this directory (the config file's folder; default the working directory). */
  baseDir?: string;
  /** Overrides the encoder (default: the shared `encode` worker pool). */
  encode?: EncodeFn;
  env?: NodeJS.ProcessEnv;
  log?: Logger;
}

/**
 * Starts the web server for a camera run. Rejects with `WebConfigError` when `web.host` is not a loopback
 * address and no token is configured (neither `web.token` nor RXVISION_WEB_TOKEN).
 */
export async function startWeb(options: StartWebOptions): Promise<WebSurface> {
  const { web } = options;
  const log = options.log ?? logger();
  const view = new LiveView({
    fps: web.fps,
    encode: options.encode ?? poolEncoder({ quality: web.jpegQuality, maxWidth: web.maxWidth }),
    onError: (err, channel) => log.warn({ channel, err: err.message }, 'live view frame not encoded'),
  });
  const board = new ChannelBoard({ viewStats: (c) => view.stats(c) });
  const reports = Object.fromEntries(
    Object.entries(web.reports ?? {}).map(([name, dir]) => [name, path.resolve(options.baseDir ?? '.', dir)]),
  );
  let server: WebServer;
  try {
    server = await startWebServer({
      host: web.host,
      port: web.port,
      token: resolveWebToken(web.token, options.env),
      board,
      view,
      reports,
      metrics: options.metrics ?? true,
      allowedHosts: web.allowedHosts,
      maxStreams: web.maxStreams,
      log,
    });
  } catch (err) {
    board.close();
    view.close();
    throw err;
  }
  const hooks: WebRunHooks = {
    onStart: board.onStart,
    onStatus: board.onStatus,
    onResult: (r) => {
      board.onResult(r);
      view.onResult(r);
    },
    tapFrame: view.tapFrame,
    wantsPixels: view.wantsPixels,
  };
  let closing: Promise<void> | undefined;
  return {
    server,
    board,
    view,
    hooks,
    close() {
      closing ??= server.close().finally(() => board.close());
      return closing;
    },
  };
}
