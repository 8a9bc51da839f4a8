import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A scratch folder for config files, removed by `cleanup()`. */
export function scratchDir(): {
  dir: string;
  write: (name: string, content: unknown) => string;
  cleanup: () => void;
} {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rxvision-config-'));
  return {
    dir,
    write: (name, content) => {
      const file = path.join(dir, name);
      writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
      return file;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
