/**
 * What the bench scripts read about a process they started, and how they start the helpers they share:
 * CPU seconds and peak RSS from /proc (every thread of the process, worker threads included), free
 * ports, readiness of a TCP port, and the emulator in its own process.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

export const ROOT = new URL('../', import.meta.url).pathname;
export const CLI = join(ROOT, 'dist/src/cli/main.js');
/** Node's --import flag that runs the bench's TypeScript (child processes of the bench use it too). */
export const TS_LOADER = ['--import', join(ROOT, 'scripts/ts-loader.mjs')];
const CLOCK_TICKS = 100;

/** User + system CPU seconds so far of every thread of the process, or of one thread (`tid`; the main thread's is the pid). */
export function cpuSeconds(pid: number, tid?: number): number {
  const file = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  const fields = readFileSync(file, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** CPU seconds of each thread of a process now, with its name (`comm`). */
export function threadCpu(pid: number): Map<number, { name: string; seconds: number }> {
  const threads = new Map<number, { name: string; seconds: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8').trim();
      threads.set(Number(tid), { name, seconds: cpuSeconds(pid, Number(tid)) });
    } catch {
      // the thread ended meanwhile
    }
  }
  return threads;
}

const NODE_THREADS: Readonly<Record<string, string>> = {
  MainThread: 'main thread',
  WorkerThread: 'worker threads',
  V8Worker: 'V8 platform threads (GC, compiler)',
  'libuv-worker': 'libuv pool (gzip, fs)',
};

/**
 * CPU seconds per kind of thread of a Node process between two threadCpu() readings. Node 22+ names its
 * threads; Node 20 does not, and there the four V8 platform threads are known by their place: they are
 * started right after the main thread (after the delayed-task scheduler), before anything else.
 */
export function nodeThreadBreakdown(pid: number, before: ReturnType<typeof threadCpu>, after: ReturnType<typeof threadCpu>): Record<string, number> {
  const named = [...after.values()].some((thread) => thread.name in NODE_THREADS);
  const tids = [...after.keys()].sort((a, b) => a - b);
  const groups: Record<string, number> = {};
  tids.forEach((tid, index) => {
    const used = (after.get(tid)?.seconds ?? 0) - (before.get(tid)?.seconds ?? 0);
    let group: string;
    if (tid === pid) group = 'main thread';
    else if (named) group = NODE_THREADS[after.get(tid)?.name ?? ''] ?? 'other threads';
    else group = index >= 2 && index <= 5 ? (NODE_THREADS['V8Worker'] as string) : 'worker threads + libuv pool';
    groups[group] = (groups[group] ?? 0) + used;
  });
  return groups;
}

/** CPU seconds the whole machine has been busy (every core; idle and I/O wait excluded). */
export function machineBusySeconds(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return (user + nice + system + irq + softirq + steal) / CLOCK_TICKS;
}

/**
 * Measures how busy the machine was with work other than the listed processes (and this one) between
 * start() and the returned function's call, in cores: the noise other jobs on the machine add.
 */
export function outsideLoad(pids: readonly number[]): () => number {
  const ownCpu = (): number => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0) + cpuSeconds(process.pid);
  const busy0 = machineBusySeconds();
  const own0 = ownCpu();
  const started = Date.now();
  return () => {
    const seconds = (Date.now() - started) / 1000;
    return Math.max(0, (machineBusySeconds() - busy0 - (ownCpu() - own0)) / Math.max(seconds, 0.001));
  };
}

/**
 * Waits (up to `maxMs`) until the machine has been nearly idle for half a second: other jobs on a shared
 * machine make a run's throughput meaningless. Returns the ms waited.
 */
export async function waitForQuiet(maxMs: number, idleCores = 0.3): Promise<number> {
  const started = Date.now();
  for (;;) {
    const before = machineBusySeconds();
    await sleep(500);
    const cores = (machineBusySeconds() - before) / 0.5;
    if (cores <= idleCores || Date.now() - started >= maxMs) return Date.now() - started;
  }
}

function statusKiB(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const match = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) : Number.NaN;
}

/** Peak resident set of the process since it started (VmHWM), in MiB. */
export function peakRssMiB(pid: number): number {
  return statusKiB(pid, 'VmHWM') / 1024;
}

/** Resident set now, in MiB. */
export function rssMiB(pid: number): number {
  return statusKiB(pid, 'VmRSS') / 1024;
}

/** A port that was free a moment ago, for a process that takes its port from its config. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Resolves once something accepts TCP connections on the port. */
export async function waitForTcp(port: number, timeoutMs: number, alive: () => boolean = () => true): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && alive()) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await sleep(50);
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

export interface EmulatorProcess {
  url: string;
  /** The emulator's certificate (PEM) and its file, to trust it. */
  ca: string;
  caFile: string;
  pid: number;
  stop: () => void;
}

/**
 * `asimd emulator` in its own process (so its CPU is not counted against a client), serving the DCR
 * template with the given immutable id. `dcrSettings` is YAML added to the DCR entry (e.g. rate limits).
 */
export async function startEmulatorProcess(dir: string, dcr: string, dcrSettings = ''): Promise<EmulatorProcess> {
  writeFileSync(
    join(dir, 'emulator.yaml'),
    `emulator:\n  port: 0\n  dataDirectory: ${join(dir, 'emulator')}\n  maxStoredRequests: 0\n  dcrs:\n    - immutableId: ${dcr}\n      template: ${join(ROOT, 'config/dcr/asimd.dcr.json')}\n${dcrSettings
      .split('\n')
      .filter(Boolean)
      .map((line) => `      ${line}\n`)
      .join('')}`,
  );
  const child = spawn(process.execPath, [CLI, 'emulator', '--config', join(dir, 'emulator.yaml')], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (log += text));
  for (let i = 0; i < 200; i++) {
    await sleep(50);
    const match = /"url":"(https:\/\/[^"]+)"/.exec(log);
    const cert = /"certificateFile":"([^"]+)"/.exec(log);
    if (match?.[1] && cert?.[1]) {
      return { url: match[1], ca: readFileSync(cert[1], 'utf8'), caFile: cert[1], pid: child.pid ?? 0, stop: () => child.kill('SIGTERM') };
    }
  }
  child.kill('SIGKILL');
  throw new Error(`emulator did not start: ${log}`);
}
