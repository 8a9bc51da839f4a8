/**
 * Secrets under faults: a camera whose URL has a password with `@`, `%` (a bad escape) and `:` and a
 * token in its query string answers 401 (a real FFmpeg against a local HTTP server). The channel fails
 * once (a 401 is permanent; the bad `%` escape used to throw in the error path and make it retry
 * forever), and no form of the secrets appears in the logs (pino output captured), the status rows
 * (JSON Lines), the web page and its API, or `/metrics`.
 */
import { mkdtempSync, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { parseConfig } from '../../src/config';
import { runChannels } from '../../src/pipelines/camera/run-channels';
import { createLogger, logger, setLogger } from '../../src/util/logger';
import { ChannelBoard } from '../../src/web/channel-board';
import { startWebServer } from '../../src/web/server';

const PASSWORD = 'p@ss%zz:w0rd';
const TOKEN = 'tok-QUERY-SECRET-42';
/** Every form a secret could leak in: raw, the tails after '@' and ':', percent-encoded and decoded. */
const LEAKS = ['p@ss', 'ss%zz', 'zz:w0rd', 'w0rd', TOKEN, encodeURIComponent(PASSWORD), 'p%40ss'];

function expectNoSecret(where: string, text: string): void {
  for (const leak of LEAKS) expect([where, leak, text.includes(leak)]).toEqual([where, leak, false]);
}

describe('credentials in a failing camera URL', () => {
  it('never reach logs, status rows, the page, the API or /metrics; the 401 is not retried forever', async () => {
    let requests = 0;
    const camera = http.createServer((_req, res) => {
      requests++;
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="cam"' }).end('unauthorized');
    });
    await new Promise<void>((r) => camera.listen(0, '127.0.0.1', r));
    const port = (camera.address() as AddressInfo).port;
    const source = `http://viewer:${PASSWORD}@127.0.0.1:${port}/video.mjpg?token=${TOKEN}&fps=5`;

    const lines: string[] = [];
    const capture = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const saved = logger();
    setLogger(createLogger({ level: 'debug', destination: capture }));
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-faults-secrets-'));
    const board = new ChannelBoard();
    const web = await startWebServer({ host: '127.0.0.1', port: 0, board });
    try {
      const config = parseConfig(
        { channels: [{ id: 'door', source, reconnect: { baseMs: 50, maxAttempts: 5 } }] },
        path.join(dir, 'secrets.json'),
      );
      const summary = await runChannels(config, {
        output: { type: 'jsonl', dir },
        statusLine: false,
        detect: () => async () => [],
        onStart: board.onStart,
        onStatus: board.onStatus,
      });
      expect(summary.channels[0]).toMatchObject({ id: 'door', state: 'failed' });
      expect(summary.channels[0].error).toMatch(/401/);
      // One probe, not a retry loop (the error path no longer throws on the bad '%' escape).
      expect(requests).toBeGreaterThanOrEqual(1);
      expect(requests).toBeLessThanOrEqual(2);
      // Something logged the failure, with the URL redacted.
      const log = lines.join('');
      expect(log).toMatch(/door/);
      expect(log).toContain(`http://***@127.0.0.1:${port}/video.mjpg?token=***&fps=5`);
      expectNoSecret('logs', log);
      expectNoSecret('summary', JSON.stringify(summary));

      const rows = await Promise.all(
        (await fs.readdir(dir))
          .filter((f) => f.endsWith('.jsonl'))
          .map((f) => fs.readFile(path.join(dir, f), 'utf8')),
      );
      expect(rows.join('')).toMatch(/"state":"failed"/);
      expectNoSecret('status rows', rows.join(''));

      const api = await (await fetch(`${web.url}api/channels`)).text();
      expect(api).toMatch(/401/);
      expectNoSecret('/api/channels', api);
      expectNoSecret('page', await (await fetch(web.url)).text());
      expectNoSecret('/metrics', await (await fetch(`${web.url}metrics`)).text());
    } finally {
      setLogger(saved);
      await web.close();
      await new Promise((r) => camera.close(r));
    }
  });
});
