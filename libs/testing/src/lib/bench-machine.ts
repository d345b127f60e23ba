import { cpus, hostname, loadavg, platform, release, totalmem } from 'node:os';

/** The machine a benchmark ran on, as every results file records it. */
export function benchMachine() {
  return {
    hostname: hostname(),
    platform: `${platform()} ${release()}`,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    loadAverage: loadavg().map((value) => Number(value.toFixed(2))),
  };
}
