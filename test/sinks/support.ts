import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import { Pool } from 'pg';
import { PGliteDialect } from '../../src/db/pglite-dialect';

/** A Kysely instance for sink tests plus how to close it. */
export interface TestKysely {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  db: Kysely<any>;
  close(): Promise<void>;
}

/**
 * Kysely over a pg Pool. A dropped connection makes its pg client emit 'error'; pg-pool only listens
 * while the client is idle, so a client that is checked out (Kysely holds it between queries) would crash
 * the process with an unhandled 'error'. Every client therefore gets its own listener; the failed query
 * itself still rejects and the sink retries.
 */
export function postgresKysely(
  url: string,
  poolOptions: { connectionTimeoutMillis?: number } = {},
): TestKysely {
  const pool = new Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000, ...poolOptions });
  pool.on('error', () => undefined);
  pool.on('connect', (client) => client.on('error', () => undefined));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const db = new Kysely<any>({ dialect: new PostgresDialect({ pool }) });
  return { db, close: () => db.destroy() };
}

/** Kysely over an in-memory PGlite. */
export async function pgliteKysely(): Promise<TestKysely> {
  const { PGlite } = await import('@electric-sql/pglite');
  const client = await PGlite.create();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const db = new Kysely<any>({ dialect: new PGliteDialect(client) });
  return { db, close: () => db.destroy() };
}

/** A temporary directory removed by the returned function. */
export function tempDir(prefix: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), `rxvision-${prefix}-`));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * A TCP proxy in front of Postgres that a test can cut (stop listening, drop every open connection) and
 * restore on the same port: an outage for one client without touching the shared server.
 */
export class TcpProxy {
  private server: net.Server | undefined;
  private readonly sockets = new Set<net.Socket>();
  port = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
  ) {}

  async start(): Promise<void> {
    const server = net.createServer((client) => {
      const upstream = net.connect(this.targetPort, this.targetHost);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  /** Refuses new connections and resets the open ones. */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const s of this.sockets) s.destroy();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /** Listens again on the same port. */
  restore(): Promise<void> {
    return this.start();
  }
}
