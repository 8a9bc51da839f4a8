import path from 'node:path';
import { execFileSync } from 'node:child_process';

/**
 * The database drivers are loaded when a database is opened, not when the library is imported: a library
 * user who never opens a database does not pay for pg or the PGlite WASM module. Checked on the build in
 * dist/ (what `require('rxvision')` loads), each case in a fresh process.
 */
const dist = path.resolve(__dirname, '..', '..', 'dist', 'src');
const DRIVERS = ['pg', '@electric-sql/pglite'];

/**
 * Runs `script` in a fresh Node process; the script calls `report()` when done, which prints the packages
 * of {@link DRIVERS} that the process has loaded.
 */
function driversLoadedBy(script: string): string[] {
  const program = `
    const report = () => {
      const loaded = Object.keys(require.cache);
      const drivers = ${JSON.stringify(DRIVERS)};
      process.stdout.write(JSON.stringify(drivers.filter((n) => loaded.some((k) => k.includes('/node_modules/' + n + '/')))));
    };
    ${script}
  `;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', program], { encoding: 'utf8', timeout: 60_000 }),
  ) as string[];
}

describe('database drivers load lazily', () => {
  it('importing the library loads neither pg nor PGlite', () => {
    expect(driversLoadedBy(`require(${JSON.stringify(path.join(dist, 'index.js'))}); report();`)).toEqual([]);
  });

  it('opening an embedded database loads PGlite, and still not pg', () => {
    const script = `
      const { openDatabase } = require(${JSON.stringify(path.join(dist, 'db', 'index.js'))});
      openDatabase({ dataDir: 'memory://' }).then((db) => db.close()).then(report);
    `;
    expect(driversLoadedBy(script)).toEqual(['@electric-sql/pglite']);
  });
});
