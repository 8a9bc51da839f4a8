import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../src/cli/main';
import { ExitCode } from '../../src/cli/exit-codes';
import {
  assertBindAllowed,
  cookieValue,
  isLoopbackHost,
  presentedToken,
  resolveWebToken,
  tokenMatches,
  WebConfigError,
} from '../../src/web/auth';
import { ChannelBoard } from '../../src/web/channel-board';
import { startWebServer, type WebServer } from '../../src/web/server';
import { resolveStaticFile } from '../../src/web/static-files';

describe('access rules', () => {
  it('tells loopback addresses from reachable ones', () => {
    for (const h of [
      '127.0.0.1',
      '127.1.2.3',
      'localhost',
      '::1',
      '[::1]',
      '0:0:0:0:0:0:0:1',
      '::ffff:127.0.0.1',
    ]) {
      expect([h, isLoopbackHost(h)]).toEqual([h, true]);
    }
    for (const h of ['0.0.0.0', '::', '192.168.1.5', '10.0.0.1', 'example.com', '128.0.0.1']) {
      expect([h, isLoopbackHost(h)]).toEqual([h, false]);
    }
  });

  it('requires a token for a reachable bind, from the config or the environment', () => {
    expect(() => assertBindAllowed('0.0.0.0', undefined)).toThrow(WebConfigError);
    expect(() => assertBindAllowed('0.0.0.0', undefined)).toThrow(/web\.token.*RXVISION_WEB_TOKEN/);
    expect(() => assertBindAllowed('0.0.0.0', 's3cret')).not.toThrow();
    expect(() => assertBindAllowed('127.0.0.1', undefined)).not.toThrow();
    expect(resolveWebToken(undefined, { RXVISION_WEB_TOKEN: 'env' })).toBe('env');
    expect(resolveWebToken('cfg', { RXVISION_WEB_TOKEN: 'env' })).toBe('cfg');
    expect(resolveWebToken(undefined, { RXVISION_WEB_TOKEN: '' })).toBeUndefined();
  });

  it('reads the token from the header, the query or the cookie, and compares it exactly', () => {
    expect(presentedToken({ authorization: 'Bearer abc', queryToken: 'q' })).toEqual({
      token: 'abc',
      via: 'header',
    });
    expect(presentedToken({ queryToken: 'q' })).toEqual({ token: 'q', via: 'query' });
    expect(presentedToken({ cookie: 'a=1; rxvision_token=c%20d' })).toEqual({ token: 'c d', via: 'cookie' });
    expect(presentedToken({ authorization: 'Basic xyz' })).toEqual({});
    expect(cookieValue('x=1', 'rxvision_token')).toBeUndefined();
    expect(tokenMatches('abc', 'abc')).toBe(true);
    expect(tokenMatches('abc', 'abcd')).toBe(false);
    expect(tokenMatches('abc', undefined)).toBe(false);
  });
});

describe('resolveStaticFile', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'rxv-static-'));
  const reportDir = path.join(root, 'report');
  mkdirSync(path.join(reportDir, 'thumbs'), { recursive: true });
  writeFileSync(path.join(reportDir, 'report.html'), '<h1>report</h1>');
  writeFileSync(path.join(reportDir, 'thumbs', 'a.jpg'), 'jpg');
  writeFileSync(path.join(root, 'secret.txt'), 'secret');
  symlinkSync(path.join(root, 'secret.txt'), path.join(reportDir, 'link.txt'));

  it('serves files inside the folder and the folder index', async () => {
    expect(await resolveStaticFile(reportDir, '')).toBe(path.join(reportDir, 'report.html'));
    expect(await resolveStaticFile(reportDir, 'thumbs/a.jpg')).toBe(path.join(reportDir, 'thumbs', 'a.jpg'));
  });

  it('never resolves anything outside the folder', async () => {
    for (const p of [
      '../secret.txt',
      'thumbs/../../secret.txt',
      '/etc/passwd',
      'link.txt',
      'a\0b',
      '..\\secret.txt',
      'missing.html',
    ]) {
      expect([p, await resolveStaticFile(reportDir, p)]).toEqual([p, undefined]);
    }
  });
});

describe('web server access', () => {
  const servers: WebServer[] = [];
  afterAll(async () => {
    for (const s of servers) await s.close();
  });

  it('refuses a reachable bind without a token, before listening', async () => {
    await expect(startWebServer({ host: '0.0.0.0', port: 0, board: new ChannelBoard() })).rejects.toThrow(
      WebConfigError,
    );
  });

  it('with a token: 401 for a missing or wrong token, 200 for the right one (header, query, cookie)', async () => {
    const token = 'tok-' + Math.random().toString(36).slice(2);
    const server = await startWebServer({ host: '0.0.0.0', port: 0, token, board: new ChannelBoard() });
    servers.push(server);
    const base = `http://127.0.0.1:${server.port}`;
    expect(server.url).not.toContain(token);

    const missing = await fetch(`${base}/api/channels`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect((await fetch(`${base}/metrics`, { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(`${base}/?token=wrong`)).status).toBe(401);
    expect((await fetch(`${base}/stream/cam`)).status).toBe(401);

    const ok = await fetch(`${base}/api/channels`, { headers: { Authorization: `Bearer ${token}` } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ started: false, channels: [] });
    const metrics = await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toMatch(/^text\/plain/);

    const page = await fetch(`${base}/?token=${encodeURIComponent(token)}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<title>rxvision live view</title>');
    const cookie = page.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    const byCookie = await fetch(`${base}/api/channels`, { headers: { Cookie: cookie.split(';')[0] } });
    expect(byCookie.status).toBe(200);

    // Liveness needs no token; readiness says the run has not started.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const ready = await fetch(`${base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not ready', pipelines: 'not started' });
  });

  it('on loopback without a token everything is open; reports are served from their folder only', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-report-'));
    writeFileSync(path.join(dir, 'report.html'), '<h1>dedup report</h1>');
    writeFileSync(path.join(path.dirname(dir), 'rxv-outside.txt'), 'outside');
    const server = await startWebServer({
      host: '127.0.0.1',
      port: 0,
      board: new ChannelBoard(),
      reports: { dedup: dir },
    });
    servers.push(server);
    const base = server.url;
    expect((await fetch(`${base}api/channels`)).status).toBe(200);
    const index = await fetch(`${base}reports/`);
    expect(await index.text()).toContain('href="dedup/"');
    const report = await fetch(`${base}reports/dedup/`);
    expect(report.status).toBe(200);
    expect(report.headers.get('content-type')).toMatch(/text\/html/);
    expect(await report.text()).toBe('<h1>dedup report</h1>');
    const redirect = await fetch(`${base}reports/dedup`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect((await fetch(`${base}reports/dedup/..%2Frxv-outside.txt`)).status).toBe(404);
    expect((await fetch(`${base}reports/dedup/%2e%2e/rxv-outside.txt`)).status).toBe(404);
    expect((await fetch(`${base}reports/nope/`)).status).toBe(404);
    const noView = await fetch(`${base}stream/cam`);
    expect(noView.status).toBe(404);
    expect(await noView.json()).toMatchObject({ error: 'the live view is off' });
  });
});

describe('pipeline run --web', () => {
  it('exits with code 2 when the server would be reachable without a token', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-web-cli-'));
    const file = path.join(dir, 'config.json');
    writeFileSync(
      file,
      JSON.stringify({
        channels: [{ id: 'cam', source: '/no/such.avi' }],
        web: { host: '0.0.0.0', port: 0 },
      }),
    );
    const saved = process.env.RXVISION_WEB_TOKEN;
    delete process.env.RXVISION_WEB_TOKEN;
    try {
      expect(await runCli(['--log-level', 'silent', 'run', file, '--web', '--jsonl', dir])).toBe(
        ExitCode.invalidConfig,
      );
    } finally {
      if (saved !== undefined) process.env.RXVISION_WEB_TOKEN = saved;
      process.exitCode = undefined;
    }
  });
});
