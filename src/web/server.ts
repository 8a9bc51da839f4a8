/**
 * The web server (fastify): the live view page, per-channel status JSON, annotated MJPEG streams,
 * served report folders, Prometheus `/metrics`, `/healthz` and `/readyz`. Loopback-only unless a token
 * is set (see ./auth), with a Host header check against DNS rebinding (see ./host-check). The token is
 * never logged; fastify's request logging stays off for that reason.
 */
import { createReadStream } from 'node:fs';
import type { ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { collectProcessMetrics, metricsRegistry } from '../metrics/registry';
import { logger, type Logger } from '../util/logger';
import { assertBindAllowed, isLoopbackHost, presentedToken, TOKEN_COOKIE, tokenMatches } from './auth';
import type { ChannelBoard } from './channel-board';
import { hostChecker } from './host-check';
import type { LiveFrame, LiveView } from './live-view';
import { livePageHtml } from './page';
import { contentTypeOf, resolveStaticFile } from './static-files';

/** The outcome of a readiness check. */
export interface Readiness {
  ready: boolean;
  checks: Record<string, string>;
}

/** Settings of {@link startWebServer}. */
export interface WebServerOptions {
  /** Address to bind (default 127.0.0.1). Anything else needs `token`. */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Required token; needed when `host` is not a loopback address. */
  token?: string;
  board: ChannelBoard;
  /** The live view; without it the page shows counters only. */
  view?: LiveView;
  /** Report folders by name, served at `/reports/<name>/`. */
  reports?: Record<string, string>;
  /** Serve `/metrics` (default true). */
  metrics?: boolean;
  /** Readiness (default: the run started and, when it uses one, its database answers). */
  ready?: () => Promise<Readiness>;
  /** How long a readiness answer is reused (default 1000 ms): probes never cost a query each. */
  readyCacheMs?: number;
  /** Host names (`.example.com`: any subdomain) requests may be addressed to, besides loopback ones; see ./host-check. */
  allowedHosts?: readonly string[];
  /** Most MJPEG streams served at once (default 10); more get 503. */
  maxStreams?: number;
  log?: Logger;
}

/** A running server. */
export interface WebServer {
  /** Base URL, e.g. http://127.0.0.1:8080/ (never contains the token). */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** Live MJPEG connections now. */
  streams(): number;
  /** Ends the streams and stops listening. Idempotent. */
  close(): Promise<void>;
}

const BOUNDARY = 'rxvisionframe';
const OPEN_ROUTES = new Set(['/healthz', '/readyz']);

/**
 * Readiness from the board: run started, database reachable (2 s budget). The answer says `unreachable`
 * without the driver's error text (it goes to `log`): `/readyz` is open without a token.
 */
export async function boardReadiness(board: ChannelBoard, log?: Logger): Promise<Readiness> {
  const checks: Record<string, string> = { pipelines: board.started ? 'started' : 'not started' };
  let ready = board.started;
  const database = board.database;
  if (database) {
    try {
      await Promise.race([
        sql`select 1`.execute(database.db),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no answer in 2 s')), 2000).unref()),
      ]);
      checks.database = `${database.dialect} reachable`;
    } catch (err) {
      ready = false;
      checks.database = 'unreachable';
      log?.warn({ err: (err as Error).message }, 'readiness: the database does not answer');
    }
  }
  return { ready, checks };
}

/** Wraps `fn` so that one answer serves every call for `ms` (and concurrent calls share one run). */
function reuseFor<T>(fn: () => Promise<T>, ms: number): () => Promise<T> {
  let last: { at: number; value: Promise<T> } | undefined;
  return () => {
    const now = performance.now();
    if (!last || now - last.at >= ms) {
      const value = fn();
      last = { at: now, value };
      // A rejection is not reused: the next call asks again.
      value.catch(() => {
        if (last?.value === value) last = undefined;
      });
    }
    return last.value;
  };
}

function mjpegPart(frame: LiveFrame): Buffer[] {
  const head = `--${BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${frame.jpeg.length}\r\nX-Frame-Seq: ${frame.seq}\r\n\r\n`;
  return [Buffer.from(head, 'latin1'), frame.jpeg, Buffer.from('\r\n', 'latin1')];
}

/** Starts the server; rejects with `WebConfigError` for a non-loopback bind without a token. */
export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8080;
  const token = options.token;
  assertBindAllowed(host, token);
  const log = (options.log ?? logger()).child({ component: 'web' });
  const { board, view } = options;
  const metricsOn = options.metrics ?? true;
  if (metricsOn) collectProcessMetrics();
  const ready = reuseFor(options.ready ?? (() => boardReadiness(board, log)), options.readyCacheMs ?? 1000);
  const hostAllowed = hostChecker(host, options.allowedHosts);
  const maxStreams = options.maxStreams ?? 10;
  const reports = options.reports ?? {};
  const streams = new Set<ServerResponse>();

  // Loaded here, not at import: `import 'rxvision'` should not pay for a web server it may never start.
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false, forceCloseConnections: true });

  app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
    if (!hostAllowed(req.headers.host)) {
      return reply.code(421).send({
        error: 'misdirected request',
        message: 'this server answers only requests addressed to its own host names (web.allowedHosts)',
      });
    }
    if (!token || OPEN_ROUTES.has(req.url.split('?')[0])) return;
    const query = req.query as Record<string, unknown> | undefined;
    const presented = presentedToken({
      authorization: req.headers.authorization,
      queryToken: typeof query?.token === 'string' ? query.token : undefined,
      cookie: req.headers.cookie,
    });
    if (!tokenMatches(token, presented.token)) {
      return reply.code(401).header('WWW-Authenticate', 'Bearer realm="rxvision"').send({
        error: 'unauthorized',
        message: 'a valid token is required (Authorization: Bearer or ?token=)',
      });
    }
    if (presented.via === 'query') {
      // Lets the page's images and report files load without repeating the token in every URL.
      reply.header(
        'Set-Cookie',
        `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; SameSite=Strict`,
      );
    }
  });

  app.get('/', async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('Cache-Control', 'no-store')
      .header(
        'Content-Security-Policy',
        "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src 'self'; connect-src 'self'",
      )
      .send(livePageHtml()),
  );

  app.get('/healthz', async () => ({ status: 'ok', uptimeSeconds: Math.round(process.uptime()) }));

  app.get('/readyz', async (_req, reply) => {
    const r = await ready();
    return reply.code(r.ready ? 200 : 503).send({ status: r.ready ? 'ready' : 'not ready', ...r.checks });
  });

  app.get('/api/channels', async (_req, reply) =>
    reply.header('Cache-Control', 'no-store').send(board.snapshot()),
  );

  app.get('/metrics', async (_req, reply) => {
    if (!metricsOn) return reply.code(404).send({ error: 'metrics are disabled (metrics.enabled: false)' });
    return reply.type(metricsRegistry.contentType).send(await metricsRegistry.metrics());
  });

  app.get('/api/channels/:channel/frame.jpg', async (req, reply) => {
    const { channel } = req.params as { channel: string };
    const frame = view?.latest(channel);
    if (!frame)
      return reply.code(404).send({ error: `no live frame of channel ${channel} yet (open its stream)` });
    return reply.type('image/jpeg').header('Cache-Control', 'no-store').send(frame.jpeg);
  });

  app.get('/stream/:channel', (req, reply) => {
    const { channel } = req.params as { channel: string };
    // Unknown names are refused before anything is created for them (no live view state, no metric series).
    if (!view || !board.hasChannel(channel)) {
      void reply.code(404).send({ error: view ? `no channel ${channel}` : 'the live view is off' });
      return;
    }
    if (streams.size >= maxStreams) {
      void reply
        .code(503)
        .header('Retry-After', '5')
        .send({ error: `too many live streams (web.maxStreams ${maxStreams}); close one and retry` });
      return;
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'Content-Type': `multipart/x-mixed-replace; boundary=${BOUNDARY}`,
      'Cache-Control': 'no-store, no-cache, must-revalidate',
      Pragma: 'no-cache',
      Connection: 'close',
      'X-Content-Type-Options': 'nosniff',
    });
    res.flushHeaders(); // the client sees the stream open before the first frame is encoded
    streams.add(res);
    const send = (frame: LiveFrame) => {
      // A slow client skips frames rather than buffering them without bound.
      if (res.writableLength > 2 * frame.jpeg.length) return;
      for (const part of mjpegPart(frame)) res.write(part);
    };
    const latest = view.latest(channel);
    if (latest) send(latest);
    const unwatch = view.watch(channel, send);
    const stop = () => {
      unwatch();
      streams.delete(res);
    };
    res.on('close', stop);
    res.on('error', stop);
  });

  app.get('/reports/', async (_req, reply) => {
    const names = Object.keys(reports).sort();
    const items = names.map((n) => `<li><a href="${encodeURIComponent(n)}/">${n}</a></li>`).join('');
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><meta charset="utf-8"><title>reports</title><h1>Reports</h1><ul>${items || '<li>none configured (web.reports)</li>'}</ul>`,
      );
  });

  app.get('/reports/:name', async (req, reply) => {
    const { name } = req.params as { name: string };
    if (!Object.hasOwn(reports, name)) return reply.code(404).send({ error: `no report ${name}` });
    return reply.redirect(`${encodeURIComponent(name)}/`);
  });

  app.get('/reports/:name/*', async (req, reply) => {
    const params = req.params as { name: string; '*': string };
    if (!Object.hasOwn(reports, params.name))
      return reply.code(404).send({ error: `no report ${params.name}` });
    const file = await resolveStaticFile(reports[params.name], params['*'] ?? '');
    if (!file) return reply.code(404).send({ error: 'not found' });
    return reply
      .type(contentTypeOf(file))
      .header('X-Content-Type-Options', 'nosniff')
      .send(createReadStream(file));
  });

  await app.listen({ host, port });
  const address = app.server.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${urlHost}:${address.port}/`;
  log.info(
    { address: `${address.address}:${address.port}`, tokenRequired: token !== undefined },
    token
      ? `live view at ${url} (a token is required: Authorization: Bearer <token> or ?token=<token>)`
      : `live view at ${url} (loopback only, no token)`,
  );
  if (token && isLoopbackHost(host)) log.info('web token set: required on loopback too');

  let closing: Promise<void> | undefined;
  return {
    url,
    host: address.address,
    port: address.port,
    streams: () => streams.size,
    close() {
      closing ??= (async () => {
        view?.close();
        for (const res of streams) res.end();
        streams.clear();
        await app.close();
      })();
      return closing;
    },
  };
}
