import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import { NODE_ENVIRONMENT, NODE_FLAGS } from '../../src/cli/launch.ts';

export const REPO_ROOT = new URL('../../', import.meta.url).pathname;
export const CLI = join(REPO_ROOT, 'dist/src/cli/main.js');

export interface LogLine {
  level: number;
  msg: string;
  component?: string;
  [key: string]: unknown;
}

export interface RunningAgent {
  process: ChildProcess;
  dir: string;
  udpPort: number;
  tcpPort: number;
  httpPort: number;
  logs: LogLine[];
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
  rows(stream?: string): Array<Record<string, unknown>>;
  /** Rows under another directory of the agent's working directory, e.g. data/emulator. */
  rowsIn(directory: string, stream?: string): Array<Record<string, unknown>>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
}

/** Working directories of the agents this test process started; removed when it exits. */
const workingDirectories: string[] = [];
/** Agents still running: killed when the test process exits, even if a test timed out before its teardown. */
const liveAgents = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveAgents) child.kill('SIGKILL');
  for (const dir of workingDirectories) rmSync(dir, { recursive: true, force: true });
});

/** Test configs bind free ports on loopback and write into a fresh directory. */
export function testConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const base: Record<string, unknown> = {
    sources: { syslog: { address: '127.0.0.1', port: 0 } },
    server: { address: '127.0.0.1', port: 0 },
    pipeline: { workers: 1 },
    batch: { maxAgeMs: 100 },
    log: { level: 'info' },
  };
  return deepMerge(base, overrides);
}

function deepMerge(base: Record<string, unknown>, overrides: Record<string, unknown>): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(overrides)) {
    const existing = merged[key];
    merged[key] =
      typeof value === 'object' && value !== null && !Array.isArray(value) && typeof existing === 'object' && existing !== null
        ? deepMerge(existing as Record<string, unknown>, value as Record<string, unknown>)
        : value;
  }
  return merged;
}

interface StartedLine {
  sources: Array<{ name: string; port: number }>;
  server?: { port: number };
}

/** Starts the real agent (the compiled CLI) and waits for its 'asimd started' line. */
export async function startAgent(
  config: Record<string, unknown>,
  /** dir: the working directory of an earlier agent, to restart it on its data (journal, emulator rows). */
  options: { stdout?: 'pipe' | 'ignore'; timeoutMs?: number; dir?: string } = {},
): Promise<RunningAgent> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first (npm test does)`);
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'asimd-test-'));
  if (!options.dir) workingDirectories.push(dir);
  const configFile = join(dir, 'asimd.yaml');
  writeFileSync(configFile, stringify(config));
  // tap's spawn hook puts its process-tracking loader into NODE_OPTIONS of every
  // child (a module-hooks thread, ~40 MiB of RSS on Node 20); env -u runs the
  // agent as ops would, without it, so memory tests measure the agent alone.
  const child = spawn('/usr/bin/env', ['-u', 'NODE_OPTIONS', process.execPath, ...NODE_FLAGS, CLI, 'run', '--config', configFile], {
    cwd: dir,
    env: { ...process.env, ...NODE_ENVIRONMENT },
    stdio: ['ignore', options.stdout ?? 'ignore', 'pipe'],
  });
  const logs: LogLine[] = [];
  liveAgents.add(child);
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      liveAgents.delete(child);
      resolve(code);
    }),
  );
  let stderrTail = '';
  const started = new Promise<StartedLine>((resolve, reject) => {
    let buffered = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      buffered += text;
      let newline = buffered.indexOf('\n');
      while (newline !== -1) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf('\n');
        try {
          const parsed = JSON.parse(line) as LogLine;
          logs.push(parsed);
          if (parsed.msg === 'asimd started') resolve(parsed as unknown as StartedLine);
        } catch {
          stderrTail = `${stderrTail}${line}\n`.slice(-4000);
        }
      }
    });
    void exited.then((code) => reject(new Error(`agent exited with ${String(code)} before starting: ${stderrTail}`)));
    setTimeout(() => reject(new Error(`agent did not start in time: ${stderrTail}`)), options.timeoutMs ?? 15_000).unref();
  });
  let startedLine: StartedLine;
  try {
    startedLine = await started;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const portOf = (name: string): number => startedLine.sources.find((source) => source.name === name)?.port ?? 0;
  const httpPort = startedLine.server?.port ?? 0;
  const agent: RunningAgent = {
    process: child,
    dir,
    udpPort: portOf('syslog_udp'),
    tcpPort: portOf('syslog_tcp'),
    httpPort,
    logs,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
    rows(stream = 'Custom-Syslog') {
      return agent.rowsIn('data/out', stream);
    },
    rowsIn(directory, stream = 'Custom-Syslog') {
      const file = join(dir, directory, `${stream}.ndjson`);
      if (!existsSync(file)) return [];
      return readFileSync(file, 'utf8')
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    async metric(name, labels = {}) {
      const response = await fetch(`http://127.0.0.1:${httpPort}/metrics`);
      const text = await response.text();
      let total = 0;
      for (const line of text.split('\n')) {
        if (!line.startsWith(name)) continue;
        const match = /^([a-zA-Z0-9_:]+)(\{[^}]*\})? (\S+)$/.exec(line);
        if (!match || match[1] !== name) continue;
        const labelText = match[2] ?? '';
        if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) total += Number(match[3]);
      }
      return total;
    },
  };
  return agent;
}

/** Polls until `check` returns a value other than undefined, or fails after timeoutMs. */
export async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}
