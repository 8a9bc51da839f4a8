import os from 'node:os';

/** The machine a run was measured on. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
  /** 1-minute load average when the run started and ended (other work on the machine skews figures). */
  loadAverage: { start: number; end?: number };
  date: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGb: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    loadAverage: { start: os.loadavg()[0] },
    date: new Date().toISOString(),
  };
}

export function describeMachine(m: MachineInfo): string {
  const load = `load average ${m.loadAverage.start.toFixed(2)}${m.loadAverage.end !== undefined ? ` -> ${m.loadAverage.end.toFixed(2)}` : ''}`;
  return `${m.cores} cores ${m.cpuModel}, ${m.memoryGb} GB RAM, Node ${m.node}, ${m.platform}; ${load}`;
}
