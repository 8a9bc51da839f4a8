import path from 'node:path';
import { packageRoot } from '../../src/util/paths';
import { importCycles, importGraph, sourceFiles } from './import-graph';

describe('import graph helpers', () => {
  it('finds a cycle through type-only imports and re-exports, and none in a chain', () => {
    const graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts']],
      ['c.ts', ['a.ts', 'd.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(importCycles(graph)).toEqual([
      ['a.ts', 'b.ts', 'c.ts', 'a.ts'],
      ['e.ts', 'e.ts'],
    ]);
    expect(
      importCycles(
        new Map([
          ['x.ts', ['y.ts']],
          ['y.ts', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('reads `import type` and `export ... from` edges from source text', () => {
    const root = packageRoot();
    const graph = importGraph(root, sourceFiles(root, ['src']));
    // src/index.ts re-exports the runtime; the CLI's exit codes import its outcome type.
    expect(graph.get('src/index.ts')).toContain('src/runtime/shutdown.ts');
    expect(graph.get('src/cli/exit-codes.ts')).toContain('src/runtime/shutdown.ts');
  });
});

describe('src/ and workers/', () => {
  it('have no import cycles (type-only imports included)', () => {
    const root = packageRoot();
    const cycles = importCycles(importGraph(root, sourceFiles(root, ['src', 'workers'])));
    const listing = cycles.map((cycle) => cycle.map((f) => path.posix.normalize(f)).join(' -> '));
    expect(listing).toEqual([]);
  });
});

describe('the CLI layer', () => {
  it('is imported by nothing outside src/cli (display, exit codes and commands sit on top)', () => {
    const root = packageRoot();
    const graph = importGraph(root, sourceFiles(root, ['src', 'workers']));
    const upward = [...graph]
      .filter(([file]) => !file.startsWith('src/cli/'))
      .flatMap(([file, targets]) =>
        targets.filter((t) => t.startsWith('src/cli/')).map((t) => `${file} -> ${t}`),
      );
    expect(upward).toEqual([]);
  });
});
