/**
 * End-to-end throughput: syslog over TCP → asimd (compiled, real process) →
 * rows in NDJSON files. Prints messages/s, agent CPU-seconds per million
 * messages and peak RSS, with the environment. A script, not a test.
 *
 *   npm run build && node --import ./scripts/ts-loader.mjs bench/pipeline.ts [messages] [runs]
 */
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { environment } from './harness.ts';

const ROOT = new URL('../', import.meta.url).pathname;
const CLI = join(ROOT, 'dist/src/cli/main.js');
const MESSAGES = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
const CLOCK_TICKS = 100;
/** Extra YAML appended to the agent's config, e.g. ASIMD_BENCH_CONFIG=$'pipeline:\n  queueBytes: 16777216'. */
const EXTRA_CONFIG = process.env['ASIMD_BENCH_CONFIG'] ?? '';
/** Extra node flags for the agent, e.g. ASIMD_BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'. */
const NODE_ARGS = (process.env['ASIMD_BENCH_NODE_ARGS'] ?? '').split(' ').filter(Boolean);

/** ~250-byte RFC 5424 lines, as in DESIGN.md §6. */
function payload(count: number): Buffer {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const body = `src=10.0.${i % 256}.${(i >> 8) % 256} dst=192.168.1.${i % 200} action=allow user=user${i % 1000} seq=${i}`;
    const line = `<134>1 2026-11-28T12:00:00.${String(i % 1000).padStart(3, '0')}Z fw-${i % 16}.example.net firewall ${1000 + (i % 50)} TRAFFIC [meta sequenceId="${i}"] ${body}`;
    lines.push(line.padEnd(249, ' '));
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

function peakRssMiB(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let total = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) total += Number(line.split(' ').pop());
  return total;
}

async function run(data: Buffer): Promise<{ rate: number; cpuPerMillion: number; rssMiB: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'asimd-bench-'));
  writeFileSync(
    join(dir, 'asimd.yaml'),
    `sources:\n  syslog:\n    address: 127.0.0.1\n    port: 0\n    udp:\n      enabled: false\nserver:\n  port: 0\nlog:\n  level: warn\n${EXTRA_CONFIG}`,
  );
  const child = spawn(process.execPath, [...NODE_ARGS, CLI, 'run', '--config', join(dir, 'asimd.yaml')], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr += text));
  // warn level hides 'asimd started'; find the ports through /proc instead of logs.
  const pid = child.pid ?? 0;
  let tcpPort = 0;
  let httpPort = 0;
  for (let attempt = 0; attempt < 200 && (tcpPort === 0 || httpPort === 0); attempt++) {
    await sleep(50);
    const ports = execSync(`ss -Htlnp | grep 'pid=${pid},' || true`, { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(/127\.0\.0\.1:(\d+)/.exec(line)?.[1] ?? 0))
      .filter((port) => port > 0);
    for (const port of ports) {
      try {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(200) });
        if (response.ok) httpPort = port;
      } catch {
        tcpPort = port;
      }
    }
  }
  if (!tcpPort || !httpPort) throw new Error(`agent did not start: ${stderr}`);
  const cpuBefore = cpuSeconds(pid);
  const started = process.hrtime.bigint();
  const socket = connect(tcpPort, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const chunk = 256 * 1024;
  for (let offset = 0; offset < data.length; offset += chunk) {
    if (!socket.write(data.subarray(offset, offset + chunk))) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
  while ((await metric(httpPort, 'asimd_rows_written_total')) < MESSAGES) await sleep(20);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = cpuSeconds(pid) - cpuBefore;
  const rssMiB = peakRssMiB(pid);
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  rmSync(dir, { recursive: true, force: true });
  return { rate: MESSAGES / seconds, cpuPerMillion: (cpu / MESSAGES) * 1e6, rssMiB };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

console.log(environment());
console.log(`${MESSAGES.toLocaleString('en')} messages of ~250 bytes over one TCP connection (LF framing), file sink`);
console.log(`config additions: ${EXTRA_CONFIG ? JSON.stringify(EXTRA_CONFIG) : 'none (defaults)'}`);
const data = payload(MESSAGES);
const results = [];
for (let i = 0; i < RUNS; i++) {
  const result = await run(data);
  results.push(result);
  console.log(`run ${i + 1}: ${Math.round(result.rate).toLocaleString('en')} msgs/s, ${result.cpuPerMillion.toFixed(2)} CPU-s per million, peak RSS ${result.rssMiB.toFixed(0)} MiB`);
}
console.log(
  `median: ${Math.round(median(results.map((r) => r.rate))).toLocaleString('en')} msgs/s, ${median(results.map((r) => r.cpuPerMillion)).toFixed(2)} CPU-s per million, peak RSS ${median(results.map((r) => r.rssMiB)).toFixed(0)} MiB`,
);
