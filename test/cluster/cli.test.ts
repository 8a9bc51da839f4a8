/** Cluster mode refuses to start without a shared PostgreSQL database, naming the field (exit code 2). */
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startCli } from '../faults/helpers/cli-process';

jest.setTimeout(120_000);

function configFile(config: object): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rxv-cluster-cli-'));
  const file = path.join(dir, 'channels.json');
  writeFileSync(file, JSON.stringify(config));
  return { dir, file };
}

const channels = [{ id: 'cam1', source: '/dev/null', loop: true }];

describe('cluster mode without database.url', () => {
  it.each([
    ['run --cluster', (file: string) => ['run', file, '--cluster', '--no-status'], { channels }],
    [
      'run with cluster.enabled',
      (file: string) => ['run', file, '--no-status'],
      { channels, cluster: { enabled: true } },
    ],
    ['cluster status', (file: string) => ['cluster', 'status', file], { channels }],
  ])('%s: exit 2, the error names database.url', async (_name, args, config) => {
    const { dir, file } = configFile(config);
    const exit = await startCli(args(file), dir).exited;
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain('cluster mode needs database.url');
  });
});
