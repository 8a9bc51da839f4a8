/**
 * A throw-away PostgreSQL 15 cluster of the fault tests' own (the shared server keeps running): initdb
 * into a temp dir as the `postgres` user, started and stopped with pg_ctl on a port of 55432-55439. A
 * missing PostgreSQL installation fails the test: these tests must not skip silently.
 */
import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { userInfo } from 'node:os';

const BIN = process.env.RXVISION_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Runs a PostgreSQL binary as the postgres user (the server refuses to run as root). */
function asPostgres(binary: string, args: string[]): string {
  const cmd = path.join(BIN, binary);
  const asRoot = userInfo().uid === 0;
  return execFileSync(asRoot ? 'runuser' : cmd, asRoot ? ['-u', 'postgres', '--', cmd, ...args] : args, {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** A cluster that can be stopped and started again. */
export interface PgCluster {
  port: number;
  /** URL of the `postgres` database (trust auth). */
  url: string;
  dir: string;
  start(): void;
  /** `fast` ends sessions and shuts down cleanly; `immediate` is a crash. */
  stop(mode?: 'fast' | 'immediate'): void;
  /** Stops it (if running) and removes its files. */
  destroy(): void;
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** initdb + start on the first free port of 55432-55439. */
export async function startPgCluster(): Promise<PgCluster> {
  if (!existsSync(path.join(BIN, 'initdb')))
    throw new Error(
      `PostgreSQL binaries not found in ${BIN} (apt-get install postgresql-15, or set RXVISION_PG_BIN)`,
    );
  let port = 0;
  for (let p = 55432; p <= 55439 && !port; p++) if (await portFree(p)) port = p;
  if (!port) throw new Error("no free port in 55432-55439 for the fault tests' PostgreSQL");
  const root = mkdtempSync(path.join(os.tmpdir(), 'rxv-faults-pg-'));
  const dir = path.join(root, 'data');
  if (userInfo().uid === 0) chownSync(root, ...ids('postgres'));
  asPostgres('initdb', ['-D', dir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
  let running = false;
  const cluster: PgCluster = {
    port,
    dir,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start() {
      // fsync off: the tests prove the client's behaviour, not the disk's.
      const opts = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`;
      asPostgres('pg_ctl', ['-D', dir, '-o', opts, '-l', path.join(root, 'log'), '-w', 'start']);
      running = true;
    },
    stop(mode = 'fast') {
      asPostgres('pg_ctl', ['-D', dir, '-m', mode, '-w', 'stop']);
      running = false;
    },
    destroy() {
      try {
        if (running) cluster.stop('immediate');
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
  cluster.start();
  return cluster;
}

function ids(user: string): [number, number] {
  const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
  return [uid, gid];
}

/**
 * A TCP proxy in front of the cluster that can be switched to "hung": it keeps accepting connections but
 * never answers, and the connections already open stop passing data (a server that stopped responding).
 */
export interface HangProxy {
  port: number;
  /** Forwards again; connections that were hung are dropped (their queries timed out long ago). */
  forward(): void;
  hang(): void;
  close(): Promise<void>;
}

export async function startHangProxy(targetPort: number): Promise<HangProxy> {
  let hung = false;
  const pairs = new Set<{ client: net.Socket; server?: net.Socket }>();
  const hungSockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.on('error', () => undefined);
    if (hung) {
      hungSockets.add(client);
      return;
    }
    const upstream = net.connect(targetPort, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair = { client, server: upstream };
    pairs.add(pair);
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    hang() {
      hung = true;
      for (const { client, server: upstream } of pairs) {
        client.unpipe(upstream);
        upstream?.unpipe(client);
        client.pause();
        upstream?.pause();
        hungSockets.add(client);
      }
    },
    forward() {
      hung = false;
      for (const s of hungSockets) s.destroy();
      hungSockets.clear();
      for (const { server: upstream } of pairs) upstream?.destroy();
      pairs.clear();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of hungSockets) s.destroy();
        for (const { client, server: upstream } of pairs) {
          client.destroy();
          upstream?.destroy();
        }
        server.close(() => resolve());
      }),
  };
}
