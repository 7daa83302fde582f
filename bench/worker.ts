/**
 * Messages/s on one core in a real worker thread: parse + normalize +
 * serialize (the pipeline's worker, src/pipeline/worker.ts, in a one-thread
 * piscina pool, fed tasks of frames as the sources build them). Categories:
 * RFC 5424, RFC 3164, CEF and sshd lines. A script, not a test.
 *
 *   node --import ./scripts/ts-loader.mjs bench/worker.ts
 */
import { existsSync, readFileSync } from 'node:fs';
import { Piscina } from 'piscina';
import { buildConfig } from '../src/config/load.ts';
import { TaskBuilder, transferListOf } from '../src/pipeline/task-builder.ts';
import type { FrameTask, TaskResult, WorkerOptions, WorkerPolicy } from '../src/pipeline/task.ts';
import { environment } from './harness.ts';

const ROOT = new URL('../', import.meta.url);
const CORPUS = new URL('../shared/corpus/', ROOT);
const RUN_MS = 1500;
const RUNS = 3;

function corpusLines(path: string): string[] {
  const file = new URL(path, CORPUS);
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter((line) => line.trim() !== '');
}

/** ~250-byte RFC 5424 lines, the shape DESIGN.md §6 measures with. */
function rfc5424(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    `<134>1 2026-11-28T12:00:00.${String(i % 1000).padStart(3, '0')}Z fw-${i % 16}.example.net firewall ${1000 + (i % 50)} TRAFFIC [meta sequenceId="${i}"] src=10.0.${i % 256}.${(i >> 8) % 256} dst=192.168.1.${i % 200} action=allow user=user${i % 1000}`.padEnd(249, ' '),
  );
}

const loghub = (name: string): string[] => corpusLines(`syslog/${name}`).map((line) => `<38>${line}`);
const cefLines = [
  ...corpusLines('cef/azure-sentinel/fortiwebwafsamplelog.excerpt.txt'),
  ...corpusLines('cef/azure-sentinel/RadiflowIsid_RawLogs.excerpt.txt'),
  ...corpusLines('cef/elastic-integrations/test-cef.log'),
].filter((line) => line.includes('CEF:'));

const CATEGORIES: Array<[string, string[]]> = [
  ['RFC 5424 (~250 B) → Syslog', rfc5424(4096)],
  ['RFC 3164 (loghub Linux) → Syslog', loghub('loghub_Linux_2k.log')],
  ['CEF (corpus) → CommonSecurityLog', cefLines],
  ['sshd (loghub OpenSSH) → Syslog + ASIM Authentication', loghub('loghub_OpenSSH_2k.log')],
];

function tasksOf(lines: string[]): FrameTask[] {
  const builder = new TaskBuilder('syslog_tcp', 256 * 1024, 4096);
  const tasks: FrameTask[] = [];
  const now = Date.now();
  // Enough tasks to run a while without reusing transferred buffers.
  for (let round = 0; round < 120; round++) {
    for (const line of lines) {
      const bytes = Buffer.from(line);
      if (!builder.fits(bytes.length)) tasks.push(builder.take() as FrameTask);
      builder.add(bytes, 0, bytes.length, '10.1.2.3', now, 0);
    }
  }
  const last = builder.take();
  if (last) tasks.push(last);
  return tasks;
}

const config = buildConfig({});
const policy: WorkerPolicy = { timeZone: 'UTC', outputs: config.sources.syslog.outputs, facilities: [], minimumSeverity: 7 };
const workerData: WorkerOptions = {
  streams: config.streams,
  policies: { syslog_udp: policy, syslog_tcp: policy, syslog_tls: policy },
  rowSeparator: 0x2c,
};
const pool = new Piscina<FrameTask, TaskResult>({
  filename: new URL('../src/pipeline/worker.ts', import.meta.url).href,
  minThreads: 1,
  maxThreads: 1,
  idleTimeout: Number.POSITIVE_INFINITY,
  recordTiming: false,
  workerData,
});

async function rate(lines: string[]): Promise<{ perSecond: number; rowsPerMessage: number }> {
  const tasks = tasksOf(lines);
  let next = 0;
  let messages = 0;
  let rows = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (performance.now() - started < RUN_MS && next < tasks.length) {
      const task = tasks[next++] as FrameTask;
      const count = task.count;
      const result = await pool.run(task, { transferList: transferListOf(task) });
      messages += count;
      rows += result.outputs.reduce((sum, output) => sum + output.rows, 0);
    }
  };
  // Four tasks in flight keep the worker from waiting on the main thread between tasks.
  await Promise.all([lane(), lane(), lane(), lane()]);
  return { perSecond: messages / ((performance.now() - started) / 1000), rowsPerMessage: rows / messages };
}

console.log(environment());
console.log(`one worker thread (the pipeline's worker), tasks of ≤ 256 KiB / 4096 frames, median of ${RUNS} runs of ${RUN_MS} ms`);
/** An optional argument keeps only the categories whose name contains it, e.g. `5424`. */
const only = process.argv[2];
for (const [name, lines] of CATEGORIES.filter(([category]) => only === undefined || category.includes(only))) {
  if (lines.length === 0) {
    console.log(`${name}: skipped (../shared/corpus not found)`);
    continue;
  }
  await rate(lines); // warm-up
  const results = [];
  for (let run = 0; run < RUNS; run++) results.push(await rate(lines));
  const sorted = results.map((r) => r.perSecond).sort((a, b) => a - b);
  console.log(
    `${name}: ${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0).toLocaleString('en')} messages/s per core (${(results[0]?.rowsPerMessage ?? 0).toFixed(2)} rows per message)`,
  );
}
await pool.destroy();
