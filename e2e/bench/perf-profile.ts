import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where a process's CPU time goes, kernel included: Linux `perf` samples its stacks (a V8
 * profile would show the time the kernel spends receiving datagrams as "(program)", and that is
 * most of a UDP receiver's cost). Node must run with --perf-basic-prof-only-functions so JavaScript frames have
 * names.
 */
export interface CpuProfile {
  tool: string;
  seconds: number;
  samples: number;
  /** Percent of the samples, by where the time went. */
  shares: Record<string, number>;
  /** The functions the samples were in, kernel and user, percent of samples. */
  topFunctions: Array<{ function: string; percent: number }>;
}

const SAMPLE_HZ = 499;

export function perfAvailable(): boolean {
  return spawnSync('perf', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Samples `pid` for `seconds`; resolves when perf has written and summarised the profile. */
export async function profileProcess(pid: number, seconds: number): Promise<CpuProfile> {
  const dir = mkdtempSync(join(tmpdir(), 'asb-perf-'));
  const data = join(dir, 'perf.data');
  try {
    await run('perf', [
      'record',
      '-q',
      '-F',
      String(SAMPLE_HZ),
      '-g',
      '-p',
      String(pid),
      '-o',
      data,
      '--',
      'sleep',
      String(seconds),
    ]);
    const script = spawnSync('perf', ['script', '-i', data, '-F', 'tid,ip,sym,dso'], {
      encoding: 'utf8',
      maxBuffer: 512 * 1024 * 1024,
    });
    if (script.status !== 0) throw new Error(`perf script failed: ${script.stderr}`);
    return summarise(script.stdout, pid, seconds);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited with ${code}: ${stderr}`)),
    );
  });
}

interface Frame {
  symbol: string;
  dso: string;
}

const SYSCALL_SHARES: Array<[RegExp, string]> = [
  [/^(__sys_recvmsg|__sys_recvfrom|__sys_recvmmsg|udp_recvmsg)$/, 'kernel: UDP receive (recvmsg)'],
  [
    /^(tcp_sendmsg|do_writev|ksys_write|__sys_sendmsg|__sys_sendto)$/,
    'kernel: socket writes (NATS over TCP)',
  ],
  [/^(tcp_recvmsg|ksys_read|do_readv)$/, 'kernel: socket reads (NATS over TCP)'],
  [/^(do_epoll_wait|do_epoll_ctl|__x64_sys_epoll_\w+)$/, 'kernel: event loop (epoll)'],
  [/^(do_futex|__x64_sys_futex)$/, 'kernel: thread wake-ups (futex)'],
];

const GC_SYMBOL = /Heap::|Scavenge|MarkCompact|Sweeper|ConcurrentMarking|MinorMC|GCTracer|Evacuat/;

/** A sample's share: the syscall it is under, else the first named JavaScript frame above it. */
function classify(frames: Frame[], mainThread: boolean): string {
  if (!mainThread) {
    return frames.some((f) => GC_SYMBOL.test(f.symbol))
      ? 'V8 helper threads: garbage collection'
      : 'other threads (V8 compiler, libuv pool)';
  }
  if (frames[0]?.dso.includes('kernel')) {
    for (const frame of frames) {
      if (!frame.dso.includes('kernel')) break;
      for (const [pattern, share] of SYSCALL_SHARES) if (pattern.test(frame.symbol)) return share;
    }
    return 'kernel: other (interrupts, page faults, scheduling)';
  }
  if (GC_SYMBOL.test(frames[0]?.symbol ?? '')) return 'V8: garbage collection (main thread)';
  const js = frames.find((f) => f.dso.includes('perf-') && f.dso.endsWith('.map'));
  if (!js) return 'Node and libuv native code (outside JavaScript)';
  if (js.symbol.includes('node_modules/nats/')) return 'nats.js (publish, protocol)';
  if (/ node:|\(node:/.test(js.symbol)) return 'Node core JavaScript (dgram, events, timers)';
  if (js.symbol.includes('node_modules/')) return 'other npm packages';
  return 'service code (RTP checks, reorder, decode, frame queue)';
}

function summarise(script: string, pid: number, seconds: number): CpuProfile {
  const shares = new Map<string, number>();
  const leaves = new Map<string, number>();
  let samples = 0;
  for (const block of script.split('\n\n')) {
    const lines = block.split('\n').filter((line) => line.trim() !== '');
    if (lines.length === 0) continue;
    const tid = Number(lines[0].trim().split(/\s+/)[0]);
    const frames = lines.slice(1).map(parseFrame);
    if (frames.length === 0) continue;
    samples += 1;
    const share = classify(frames, tid === pid);
    shares.set(share, (shares.get(share) ?? 0) + 1);
    const leaf = shortName(frames[0]);
    leaves.set(leaf, (leaves.get(leaf) ?? 0) + 1);
  }
  const percent = (count: number) => Number(((count / Math.max(1, samples)) * 100).toFixed(1));
  return {
    tool: `perf record -F ${SAMPLE_HZ} -g (node --perf-basic-prof-only-functions)`,
    seconds,
    samples,
    shares: Object.fromEntries(
      [...shares.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, percent(v)]),
    ),
    topFunctions: [...leaves.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, count]) => ({ function: name, percent: percent(count) })),
  };
}

/** `\t ffffffff81234 udp_recvmsg+0x12 ([kernel.kallsyms])` */
function parseFrame(line: string): Frame {
  const match = /^\s*[0-9a-f]+\s+(.*?)\s+\(([^()]*)\)\s*$/.exec(line);
  if (!match) return { symbol: line.trim(), dso: '' };
  return { symbol: match[1].replace(/\+0x[0-9a-f]+$/, ''), dso: match[2] };
}

function shortName(frame: Frame): string {
  const where = frame.dso.includes('kernel')
    ? 'kernel'
    : frame.dso.includes('perf-')
      ? 'js'
      : (frame.dso.split('/').pop() ?? '?');
  return `${frame.symbol.slice(0, 120)} [${where}]`;
}
