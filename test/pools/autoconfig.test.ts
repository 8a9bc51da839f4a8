import {
  autoConfigure,
  detectSystem,
  formatAutoConfig,
  KIND_PROFILES,
  POOL_KINDS,
  parseCgroupCpuMax,
  parseCgroupMemoryMax,
  parseCgroupV1Quota,
  type SystemInfo,
} from '../../src/pools/autoconfig';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;

function machine(
  cpus: number,
  totalGiB: number,
  freeGiB: number,
  extra: Partial<SystemInfo> = {},
): SystemInfo {
  return { cpus, totalMemBytes: totalGiB * GiB, freeMemBytes: freeGiB * GiB, platform: 'linux', ...extra };
}

describe('autoConfigure', () => {
  it('2 cores / 24 GiB: CPU-bound, detect and hash use both cores', () => {
    const c = autoConfigure(machine(2, 24, 20));
    expect(c.cores).toBe(2);
    expect(c.workerCores).toBe(2);
    expect(c.memoryBudgetBytes).toBe(Math.floor(24 * GiB * 0.6));
    expect(c.pools.detect.size).toBe(2);
    expect(c.pools.hash.size).toBe(2);
    expect(c.pools.embed.size).toBe(1);
    expect(c.pools.classify.size).toBe(1);
    expect(c.pools.detect.reason).toMatch(/bounded by CPU, 2 cores, all for workers/);
    expect(c.batches.dedupFeatures.size).toBe(16); // 8 per hash worker
    expect(c.warnings).toEqual([]);
  });

  it('16 cores / 8 GiB: memory-bound, one core left to the main thread', () => {
    const c = autoConfigure(machine(16, 8, 6));
    expect(c.workerCores).toBe(15);
    const budget = Math.min(8 * GiB * 0.6, 6 * GiB * 0.8);
    expect(c.memoryBudgetBytes).toBe(Math.floor(budget));
    for (const kind of POOL_KINDS) {
      const p = KIND_PROFILES[kind];
      const byMemory = Math.floor((c.memoryBudgetBytes * p.memShare) / p.memBytes);
      const byCpu = Math.ceil(15 * p.coreShare);
      expect(c.pools[kind].size).toBe(Math.max(1, Math.min(byMemory, byCpu)));
    }
    expect(c.pools.detect.size).toBe(3);
    expect(c.pools.detect.reason).toMatch(/bounded by memory/);
    expect(c.pools.detect.reason).toContain('CPU would allow 15');
    expect(c.pools.hash.size).toBeLessThan(15);
  });

  it('16 cores / 64 GiB: CPU-bound with batched detection', () => {
    const c = autoConfigure(machine(16, 64, 60));
    expect(c.pools.detect.size).toBe(15);
    expect(c.pools.hash.size).toBe(15);
    expect(c.pools.embed.size).toBe(8);
    expect(c.pools.classify.size).toBe(4);
    expect(c.batches.dedupFeatures.size).toBe(64); // capped
  });

  it('low memory: one worker per kind, with warnings, and small feature batches', () => {
    const c = autoConfigure({ cpus: 4, totalMemBytes: 1 * GiB, freeMemBytes: 300 * MiB, platform: 'linux' });
    for (const kind of POOL_KINDS) expect(c.pools[kind].size).toBe(1);
    expect(c.pools.detect.reason).toMatch(/memory is short/);
    expect(c.warnings.length).toBeGreaterThanOrEqual(POOL_KINDS.length);
    expect(c.warnings[0]).toMatch(/^pool detect: /);
    expect(c.batches.dedupFeatures.size).toBe(1);
    expect(c.batches.dedupFeatures.reason).toMatch(/bounded by memory/);
  });

  it('uses the cgroup CPU quota and memory limit when they are lower', () => {
    const c = autoConfigure(machine(32, 128, 120, { cpuQuota: 2.5, memLimitBytes: 4 * GiB }));
    expect(c.cores).toBe(2);
    expect(c.pools.hash.size).toBe(2);
    expect(c.memoryBudgetBytes).toBe(Math.floor(4 * GiB * 0.6));
    expect(c.pools.detect.reason).toContain('cgroup quota 2.5 of 32 CPUs');
    expect(autoConfigure(machine(8, 16, 16, { cpuQuota: 0.5 })).cores).toBe(1);
  });

  it('single core: everything gets one worker', () => {
    const c = autoConfigure(machine(1, 4, 3));
    for (const kind of POOL_KINDS) expect(c.pools[kind].size).toBe(1);
    expect(c.pools.detect.reason).toMatch(/^1 worker for/);
  });

  it('sizes only kinds that have a worker, and no batch the pipelines do not apply', () => {
    const c = autoConfigure(machine(2, 24, 20));
    expect(Object.keys(c.pools).sort()).toEqual(['classify', 'detect', 'embed', 'hash']);
    expect(Object.keys(c.batches)).toEqual(['dedupFeatures']);
  });

  it('is pure: same machine, same answer', () => {
    expect(autoConfigure(machine(6, 12, 9))).toEqual(autoConfigure(machine(6, 12, 9)));
  });

  it('formats a human-readable summary with every pool and batch', () => {
    const text = formatAutoConfig(autoConfigure(machine(2, 24, 20)));
    expect(text).toContain('system: 2 CPUs, 24 GiB memory (20 GiB free), linux');
    for (const kind of POOL_KINDS) expect(text).toContain(`pool ${kind}: `);
    expect(text).toContain('dedup feature batch: 16 images');
    expect(text).not.toMatch(/db batch|detection batch|pool decode/);
  });
});

describe('detectSystem', () => {
  it('reads the live machine', () => {
    const s = detectSystem(() => undefined);
    expect(s.cpus).toBeGreaterThanOrEqual(1);
    expect(s.totalMemBytes).toBeGreaterThan(s.freeMemBytes * 0.5);
    expect(s.platform).toBe(process.platform);
    expect(s.cpuQuota).toBeUndefined();
  });

  it('applies cgroup v2 limits when they are lower than the machine', () => {
    if (process.platform !== 'linux') return;
    const files: Record<string, string> = {
      '/sys/fs/cgroup/cpu.max': '50000 100000\n',
      '/sys/fs/cgroup/memory.max': `${256 * MiB}\n`,
    };
    const s = detectSystem((p) => files[p]);
    expect(s.cpuQuota).toBe(0.5);
    expect(s.memLimitBytes).toBe(256 * MiB);
  });

  it('falls back to cgroup v1 files', () => {
    if (process.platform !== 'linux') return;
    const files: Record<string, string> = {
      '/sys/fs/cgroup/cpu/cpu.cfs_quota_us': '100000',
      '/sys/fs/cgroup/cpu/cpu.cfs_period_us': '100000',
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': '9223372036854771712',
    };
    const s = detectSystem((p) => files[p]);
    expect(s.cpuQuota).toBe(1);
    expect(s.memLimitBytes).toBeUndefined();
  });
});

describe('cgroup parsers', () => {
  it('parses cpu.max', () => {
    expect(parseCgroupCpuMax('max 100000')).toBeUndefined();
    expect(parseCgroupCpuMax('200000 100000')).toBe(2);
    expect(parseCgroupCpuMax('150000 100000\n')).toBe(1.5);
    expect(parseCgroupCpuMax(undefined)).toBeUndefined();
    expect(parseCgroupCpuMax('garbage')).toBeUndefined();
  });

  it('parses v1 quota and period', () => {
    expect(parseCgroupV1Quota('-1', '100000')).toBeUndefined();
    expect(parseCgroupV1Quota('300000\n', '100000\n')).toBe(3);
    expect(parseCgroupV1Quota(undefined, '100000')).toBeUndefined();
  });

  it('parses memory limits', () => {
    expect(parseCgroupMemoryMax('max')).toBeUndefined();
    expect(parseCgroupMemoryMax('1073741824\n')).toBe(GiB);
    expect(parseCgroupMemoryMax('9223372036854771712')).toBeUndefined();
    expect(parseCgroupMemoryMax('')).toBeUndefined();
  });
});
