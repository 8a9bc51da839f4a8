/**
 * Writes config/rxvision.schema.json from the zod config schema (`npm run schema` after a build).
 * `--check` only compares and exits with 1 when the committed file is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { configJsonSchemaText } from '../src/config/json-schema';
import { packageRoot } from '../src/util/paths';

/** Where the exported schema is committed. */
export function schemaFilePath(): string {
  return path.join(packageRoot(), 'config', 'rxvision.schema.json');
}

function main(argv: string[]): number {
  const file = schemaFilePath();
  const text = configJsonSchemaText();
  if (argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      // a missing file is stale too
    }
    if (current === text) return 0;
    process.stderr.write(`${file} is out of date: run npm run build && npm run schema\n`);
    return 1;
  }
  writeFileSync(file, text);
  process.stdout.write(`wrote ${file}\n`);
  return 0;
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
