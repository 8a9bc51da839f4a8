/**
 * Web faults: a DNS-rebinding request (foreign Host header) to a loopback server, more MJPEG clients than
 * `web.maxStreams`, `/readyz` probes while the database is down, and `/stream/<unknown>`.
 */
import http from 'node:http';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import type { RunStarted } from '../../src/pipelines/camera/run-options';
import { pendingSummary } from '../../src/pipelines/camera/channel-summary';
import { metricsRegistry } from '../../src/metrics/registry';
import { ChannelBoard } from '../../src/web/channel-board';
import { hostChecker, hostOfHeader } from '../../src/web/host-check';
import { LiveView } from '../../src/web/live-view';
import { startWebServer, type Readiness, type WebServer } from '../../src/web/server';

/** A GET with a chosen Host header (fetch does not let a caller set it). Resolves at the response head. */
function get(
  port: number,
  path: string,
  host: string,
): Promise<{ status: number; body: Promise<string>; res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers: { Host: host } }, (res) => {
      const body = new Promise<string>((done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => done(text));
        res.on('close', () => done(text));
      });
      resolve({ status: res.statusCode ?? 0, body, res });
    });
    req.on('error', reject);
  });
}

function startedBoard(ids: string[], database?: RunStarted['database']): ChannelBoard {
  const board = new ChannelBoard();
  board.onStart({ runId: 1, channels: new Map(ids.map((id) => [id, pendingSummary(id)])), database });
  return board;
}

const view = () =>
  new LiveView({ fps: 5, encode: () => Promise.reject(new Error('no frames in this test')) });

describe('Host header check (DNS rebinding)', () => {
  it('reads host names from Host headers', () => {
    expect(hostOfHeader('LOCALHOST:8080')).toBe('localhost');
    expect(hostOfHeader('[::1]:8080')).toBe('::1');
    expect(hostOfHeader('example.com.')).toBe('example.com');
    const loopback = hostChecker('127.0.0.1', ['cams.example.org', '.lan']);
    for (const h of ['127.0.0.1:8080', 'localhost:1', '[::1]:80', 'cams.example.org', 'pi.lan'])
      expect([h, loopback(h)]).toEqual([h, true]);
    for (const h of [undefined, '', 'evil.example:8080', '192.168.1.5', 'lan.evil.example'])
      expect([h, loopback(h)]).toEqual([h, false]);
    expect(hostChecker('0.0.0.0')('anything')).toBe(true);
    expect(hostChecker('0.0.0.0', ['cams.example.org'])('other.example')).toBe(false);
  });

  let server: WebServer;
  afterEach(() => server?.close());

  it('answers 421 to a foreign Host on a loopback bind, on every route, and serves its own names', async () => {
    server = await startWebServer({
      host: '127.0.0.1',
      port: 0,
      board: startedBoard(['cam']),
      allowedHosts: ['cams.lan'],
    });
    for (const route of ['/', '/api/channels', '/metrics', '/stream/cam', '/readyz', '/healthz']) {
      const r = await get(server.port, route, 'rebind.attacker.example');
      expect([route, r.status]).toEqual([route, 421]);
      expect(await r.body).not.toContain('"channels"');
    }
    expect((await get(server.port, '/api/channels', `127.0.0.1:${server.port}`)).status).toBe(200);
    expect((await get(server.port, '/api/channels', `localhost:${server.port}`)).status).toBe(200);
    expect((await get(server.port, '/api/channels', 'cams.lan')).status).toBe(200);
  });
});

describe('MJPEG clients and unknown streams', () => {
  let server: WebServer;
  const open: http.IncomingMessage[] = [];
  afterEach(async () => {
    for (const r of open.splice(0)) r.destroy();
    await server?.close();
  });

  it('serves at most web.maxStreams streams; the next gets 503, and a freed slot is usable again', async () => {
    server = await startWebServer({
      host: '127.0.0.1',
      port: 0,
      board: startedBoard(['cam']),
      view: view(),
      maxStreams: 2,
    });
    const host = `127.0.0.1:${server.port}`;
    for (let i = 0; i < 2; i++) {
      const r = await get(server.port, '/stream/cam', host);
      expect(r.status).toBe(200);
      open.push(r.res);
    }
    expect(server.streams()).toBe(2);
    const refused = await get(server.port, '/stream/cam', host);
    expect(refused.status).toBe(503);
    expect(refused.res.headers['retry-after']).toBe('5');
    expect(await refused.body).toMatch(/web\.maxStreams 2/);
    open.shift()!.destroy();
    while (server.streams() > 1) await new Promise((r) => setImmediate(r));
    const again = await get(server.port, '/stream/cam', host);
    expect(again.status).toBe(200);
    open.push(again.res);
  });

  it('answers 404 to /stream/<unknown> without creating live view state or metric series', async () => {
    const v = view();
    server = await startWebServer({ host: '127.0.0.1', port: 0, board: startedBoard(['cam']), view: v });
    const before = await metricsRegistry.metrics();
    for (const name of ['nope', 'x'.repeat(90), 'y'.repeat(500), '%3Cscript%3E']) {
      const r = await get(server.port, `/stream/${name}`, `127.0.0.1:${server.port}`);
      expect([404, 414]).toContain(r.status); // 414: longer than fastify's route parameter limit
    }
    expect(v.viewers('nope')).toBe(0);
    const after = await metricsRegistry.metrics();
    expect(after).not.toMatch(/channel="(nope|xxxx|yyyy|[^"]*script)/);
    expect(after.split('\n').filter((l) => l.includes('live_view_viewers{')).length).toBe(
      before.split('\n').filter((l) => l.includes('live_view_viewers{')).length,
    );
    // Before a run has started no name is known: nothing is created either.
    const idle = await startWebServer({
      host: '127.0.0.1',
      port: 0,
      board: new ChannelBoard(),
      view: view(),
    });
    expect((await get(idle.port, '/stream/cam', `127.0.0.1:${idle.port}`)).status).toBe(404);
    await idle.close();
  });
});

describe('/readyz', () => {
  let server: WebServer;
  afterEach(() => server?.close());

  it('says the database is unreachable without its error text (open route, no token needed)', async () => {
    const pool = new Pool({
      connectionString: 'postgres://app:hunter2-secret@127.0.0.1:1/nodb',
      connectionTimeoutMillis: 1000,
    });
    const db = new Kysely<never>({ dialect: new PostgresDialect({ pool }) });
    const database = {
      db,
      dialect: 'postgres',
      target: 'postgres://***@127.0.0.1:1/nodb',
    } as unknown as RunStarted['database'];
    server = await startWebServer({
      host: '127.0.0.1',
      port: 0,
      token: 'tok',
      board: startedBoard(['cam'], database),
    });
    const r = await get(server.port, '/readyz', `127.0.0.1:${server.port}`);
    expect(r.status).toBe(503);
    const body = JSON.parse(await r.body);
    expect(body).toEqual({ status: 'not ready', pipelines: 'started', database: 'unreachable' });
    await db.destroy();
  });

  it('reuses one readiness answer for the probes of a second: one database check, not one per request', async () => {
    let checks = 0;
    const ready = async (): Promise<Readiness> => {
      checks++;
      await new Promise((r) => setTimeout(r, 20));
      return { ready: true, checks: { database: 'postgres reachable' } };
    };
    server = await startWebServer({
      host: '127.0.0.1',
      port: 0,
      board: new ChannelBoard(),
      ready,
      readyCacheMs: 60_000,
    });
    const host = `127.0.0.1:${server.port}`;
    const answers = await Promise.all(Array.from({ length: 50 }, () => get(server.port, '/readyz', host)));
    for (let i = 0; i < 50; i++) answers.push(await get(server.port, '/readyz', host));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(checks).toBe(1);
  });
});
