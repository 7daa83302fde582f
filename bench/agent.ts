/**
 * The compiled agent as the bench runs it: a real process (`node [flags] dist/src/cli/main.js run`, with the
 * environment the image and the systemd unit set),
 * with its config written to a fresh directory, its ports read from its 'asimd started' log line. Node
 * flags such as --cpu-prof go on its command line (NODE_OPTIONS refuses them).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stringify } from 'yaml';
import { CLI } from './processes.ts';
import { NODE_ENVIRONMENT, NODE_FLAGS } from '../src/cli/launch.ts';

export interface AgentProcess {
  pid: number;
  dir: string;
  /** 0 when the listener is off. */
  tcpPort: number;
  httpPort: number;
  /** A Prometheus metric from /metrics, summed over its labels. */
  metric: (name: string) => Promise<number>;
  /** SIGTERM, wait for the exit (a graceful shutdown drains and, with --cpu-prof, writes the profiles). */
  stop: () => Promise<void>;
}

interface StartedLine {
  msg?: string;
  sources?: Array<{ name: string; port: number }>;
  server?: { port: number };
}

/** Sum of a metric's samples in a Prometheus text exposition. */
export async function fetchMetric(httpPort: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${httpPort}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.split(' ').pop());
  return total;
}

/** Starts the agent with `config` (log level info at least, for the start line) and waits until it listens. */
export async function startAgentProcess(config: Record<string, unknown>, nodeArgs: readonly string[] = []): Promise<AgentProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'asimd-bench-agent-'));
  writeFileSync(join(dir, 'asimd.yaml'), stringify(config));
  const child = spawn(process.execPath, [...NODE_FLAGS, ...nodeArgs, CLI, 'run', '--config', join(dir, 'asimd.yaml')], {
    cwd: dir,
    env: { ...process.env, ...NODE_ENVIRONMENT },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  let tail = '';
  const started = await new Promise<StartedLine>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`agent did not start in 20 s: ${tail}`)), 20_000);
    createInterface({ input: child.stderr }).on('line', (line) => {
      tail = `${tail}${line}\n`.slice(-4000);
      if (!line.includes('"asimd started"')) return;
      clearTimeout(timer);
      resolve(JSON.parse(line) as StartedLine);
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`agent exited with ${String(code)} before starting: ${tail}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  });
  const httpPort = started.server?.port ?? 0;
  return {
    pid: child.pid ?? 0,
    dir,
    tcpPort: started.sources?.find((source) => source.name === 'syslog_tcp')?.port ?? 0,
    httpPort,
    metric: (name) => fetchMetric(httpPort, name),
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
