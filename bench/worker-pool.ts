/**
 * The pipeline's own worker (src/pipeline/worker.ts) in a one-thread piscina pool, fed tasks of frames as
 * the sources build them: parse + normalize + serialize on one core. Used by bench/worker.ts and
 * `npm run bench` (per-format rows).
 */
import { Piscina } from 'piscina';
import { buildConfig } from '../src/config/load.ts';
import { TaskBuilder, transferListOf } from '../src/pipeline/task-builder.ts';
import type { FrameTask, TaskResult, WorkerOptions, WorkerPolicy } from '../src/pipeline/task.ts';

function tasksOf(lines: string[]): FrameTask[] {
  const builder = new TaskBuilder('syslog_tcp', 256 * 1024, 4096);
  const tasks: FrameTask[] = [];
  const now = Date.now();
  // Enough tasks to run a while without reusing transferred buffers.
  const rounds = Math.max(1, Math.ceil(491_520 / Math.max(1, lines.length)));
  for (let round = 0; round < rounds; round++) {
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

/** A one-thread pool running the pipeline's worker with the default config's policy. */
export function workerPool(): Piscina<FrameTask, TaskResult> {
  const config = buildConfig({});
  const policy: WorkerPolicy = { timeZone: 'UTC', outputs: config.sources.syslog.outputs, facilities: [], minimumSeverity: 7 };
  const workerData: WorkerOptions = {
    streams: config.streams,
    policies: { syslog_udp: policy, syslog_tcp: policy, syslog_tls: policy },
    rowSeparator: 0x2c,
  };
  return new Piscina<FrameTask, TaskResult>({
    filename: new URL('../src/pipeline/worker.ts', import.meta.url).href,
    minThreads: 1,
    maxThreads: 1,
    idleTimeout: Number.POSITIVE_INFINITY,
    recordTiming: false,
    workerData,
  });
}

/** Messages per second through the worker for about `ms`, and rows made per message. */
export async function workerRate(pool: Piscina<FrameTask, TaskResult>, lines: string[], ms: number): Promise<{ perSecond: number; rowsPerMessage: number }> {
  const tasks = tasksOf(lines);
  let next = 0;
  let messages = 0;
  let rows = 0;
  const started = performance.now();
  const lane = async (): Promise<void> => {
    while (performance.now() - started < ms && next < tasks.length) {
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
