import type { Command } from 'commander';
import { registerValidateCommand } from './validate';
import { registerAssetsCommand } from './assets';
import { registerDbCommand } from './db';
import { registerDoctorCommand } from './doctor';
import { registerRunCommand } from './run';
import { registerDedupCommand } from './dedup';
import { registerWorkerCommand } from './worker';
import { registerClusterCommand } from './cluster';

/**
 * Each sub-command lives in its own module and registers itself here; keeping the list in one place
 * makes `pipeline --help` and the README easy to keep in step.
 */
export function registerCommands(program: Command): void {
  registerRunCommand(program);
  registerValidateCommand(program);
  registerAssetsCommand(program);
  registerDbCommand(program);
  registerDoctorCommand(program);
  registerDedupCommand(program);
  registerWorkerCommand(program);
  registerClusterCommand(program);
}
