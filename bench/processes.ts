/**
 * What the bench scripts read about a process they started, and how they start the helpers they share:
 * CPU seconds and peak RSS from /proc (every thread of the process, worker threads included), free
 * ports, readiness of a TCP port, and the emulator in its own process.
 */
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
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
