/**
 * End-to-end throughput: syslog over TCP → asimd (compiled, real process) →
 * rows in NDJSON files. Prints messages/s, agent CPU-seconds per million
 * messages and peak RSS, with the environment. A script, not a test.
 *
 *   npm run build && node --import ./scripts/ts-loader.mjs bench/pipeline.ts [messages] [runs]
 */
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import { fetchMetric, startAgentProcess } from './agent.ts';
import { environment, median } from './harness.ts';
import { cpuSeconds, peakRssMiB } from './processes.ts';

const MESSAGES = Number(process.argv[2] ?? 1_000_000);
const RUNS = Number(process.argv[3] ?? 3);
/** Extra YAML merged into the agent's config (top-level keys), e.g. ASIMD_BENCH_CONFIG=$'pipeline:\n  queueBytes: 16777216'. */
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

async function run(data: Buffer): Promise<{ rate: number; cpuPerMillion: number; rssMiB: number }> {
  const agent = await startAgentProcess(
    {
      sources: { syslog: { address: '127.0.0.1', port: 0, udp: { enabled: false } } },
      server: { port: 0 },
      log: { level: 'info' },
      ...(parse(EXTRA_CONFIG) as Record<string, unknown> | null),
    },
    NODE_ARGS,
  );
  const { pid, tcpPort, httpPort } = agent;
  const cpuBefore = cpuSeconds(pid);
  const started = process.hrtime.bigint();
  const socket = connect(tcpPort, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const chunk = 256 * 1024;
  for (let offset = 0; offset < data.length; offset += chunk) {
    if (!socket.write(data.subarray(offset, offset + chunk))) await new Promise((resolve) => socket.once('drain', resolve));
  }
  socket.end();
  while ((await fetchMetric(httpPort, 'asimd_rows_written_total')) < MESSAGES) await sleep(20);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = cpuSeconds(pid) - cpuBefore;
  const rssMiB = peakRssMiB(pid);
  await agent.stop();
  return { rate: MESSAGES / seconds, cpuPerMillion: (cpu / MESSAGES) * 1e6, rssMiB };
}

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
