import path from 'node:path';
import { readFileSync } from 'node:fs';
import ts from 'typescript';

/**
 * jest compiles tests without type checking, so the compile-time guarantees of the typed sink are checked
 * here with the TypeScript compiler, on a fixture whose wrong lines are marked with `@ts-expect-error`.
 */
const root = path.resolve(__dirname, '..', '..');
const fixture = path.join(__dirname, 'fixtures', 'sink-types.ts');
const DIRECTIVE = '// @ts-expect-error';

function compilerOptions(): ts.CompilerOptions {
  const file = path.join(root, 'tsconfig.json');
  const { config } = ts.readConfigFile(file, (f) => ts.sys.readFile(f));
  return { ...ts.parseJsonConfigFileContent(config, ts.sys, root).options, noEmit: true };
}

/** 1-based lines of the fixture (given as `text`) that have type errors. */
function errorLines(text: string): number[] {
  const options = compilerOptions();
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, version, onError) =>
    path.resolve(name) === fixture
      ? ts.createSourceFile(name, text, version)
      : getSourceFile(name, version, onError);
  const program = ts.createProgram([fixture], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => {
      if (d.file?.fileName === undefined || path.resolve(d.file.fileName) !== fixture) {
        throw new Error(`unexpected diagnostic: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      }
      return d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1;
    })
    .sort((a, b) => a - b);
}

describe('typed kyselySink and writeRows (compile time)', () => {
  const text = readFileSync(fixture, 'utf8');
  const marked = text.split('\n').flatMap((line, i) => (line.trim().startsWith(DIRECTIVE) ? [i + 2] : []));

  it('has wrong cases to check', () => {
    expect(marked.length).toBeGreaterThanOrEqual(6);
  });

  it('compiles: the right cases type-check and every marked case is an error', () => {
    expect(errorLines(text)).toEqual([]);
  });

  it('reports an error on each marked line, and nowhere else, once the directives are gone', () => {
    // The directive becomes a plain comment, so line numbers stay the same.
    const bare = text.split(DIRECTIVE).join('//');
    expect([...new Set(errorLines(bare))]).toEqual(marked);
  });
});
