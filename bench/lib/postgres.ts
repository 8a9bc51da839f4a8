import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { redactUrl } from '../../src/util/redact';

/** Server the benchmarks use: $RXVISION_BENCH_PG_URL, else the local test server's admin database. */
export const benchAdminUrl =
  process.env.RXVISION_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** A database created for one benchmark case and dropped afterwards. */
export interface ThrowawayDatabase {
  url: string;
  drop(): Promise<void>;
}

async function withAdmin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: benchAdminUrl, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`PostgreSQL at ${redactUrl(benchAdminUrl)} is unreachable: ${(err as Error).message}`);
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates `rxvision_bench_<label>_<random>` on the bench server. */
export async function createThrowawayDatabase(label: string): Promise<ThrowawayDatabase> {
  const name = `rxvision_bench_${label.replace(/[^a-z0-9]+/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  await withAdmin((c) => c.query(`create database "${name}"`));
  const url = new URL(benchAdminUrl);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withAdmin((c) => c.query(`drop database if exists "${name}" with (force)`));
    },
  };
}
