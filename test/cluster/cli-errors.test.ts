/**
 * Cluster mode needs the shared PostgreSQL database: without one, `pipeline dedup --cluster` and
 * `pipeline worker` stop at once with exit code 2 and say what to give; `--help` documents the path rule.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { packageRoot } from '../../src/util/paths';

const cli = path.join(packageRoot(), 'dist', 'src', 'cli', 'main.js');
const env = { ...process.env, RXVISION_DATABASE_URL: '' };
const run = (args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', env });

describe('cluster commands without a PostgreSQL database', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rxvision-cluster-cli-'));

  test('pipeline dedup --cluster on PGlite: exit 2, names the flags to give', () => {
    const r = run(['dedup', dir, '--cluster', '--data-dir', path.join(dir, 'db'), '--no-progress']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--cluster: needs a PostgreSQL database.*--db-url/);
  });

  test('pipeline worker without a database URL: exit 2', () => {
    const r = run(['worker']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/pipeline worker: needs the PostgreSQL database of the cluster/);
  });

  test('pipeline worker --help states the path rule', () => {
    const r = run(['worker', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/same absolute path/);
    expect(run(['dedup', '--help']).stdout).toMatch(/--cluster/);
  });
});
