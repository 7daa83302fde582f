import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { Piscina } from 'piscina';
import { parseSyslog } from '../../parsers/syslog/index.ts';
import { toSyslogRow } from '../../parsers/tables/syslog.ts';
import { FRAME_TRUNCATED, type FrameTask, type StreamRows, type TaskResult, type WorkerOptions } from './task.ts';

/*
 * Runs in the piscina pool: parse → normalize → serialize for a whole batch of
 * frames, returning bytes per output stream. Nothing here touches the network
 * or the disk.
 */

const options = Piscina.workerData as WorkerOptions;

/** A growable byte buffer of serialized rows with the end offset of each row. */
class RowWriter {
  private buffer: Buffer;
  private ends: Uint32Array;
  private times: Float64Array;
  private length = 0;
  private rows = 0;

  constructor(
    private readonly stream: string,
    private readonly separator: number,
    initialBytes: number,
    initialRows: number,
  ) {
    this.buffer = Buffer.allocUnsafeSlow(Math.max(initialBytes, 4096));
    this.ends = new Uint32Array(Math.max(initialRows, 16));
    this.times = new Float64Array(this.ends.length);
  }

  write(json: string, time: number): void {
    // Worst case three bytes per UTF-16 unit, plus the separator.
    const worst = json.length * 3 + 1;
    if (this.length + worst > this.buffer.length) this.grow(this.length + worst);
    this.length += this.buffer.write(json, this.length, 'utf8');
    this.buffer[this.length++] = this.separator;
    if (this.rows === this.ends.length) {
      const ends = new Uint32Array(this.ends.length * 2);
      ends.set(this.ends);
      this.ends = ends;
      const times = new Float64Array(ends.length);
      times.set(this.times);
      this.times = times;
    }
    this.times[this.rows] = time;
    this.ends[this.rows++] = this.length;
  }

  private grow(atLeast: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(atLeast, this.buffer.length * 2));
    this.buffer.copy(next, 0, 0, this.length);
    this.buffer = next;
  }

  finish(): StreamRows {
    return {
      stream: this.stream,
      data: new Uint8Array(this.buffer.buffer, this.buffer.byteOffset, this.length),
      ends: this.ends.subarray(0, this.rows),
      times: this.times.subarray(0, this.rows),
      rows: this.rows,
    };
  }
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

class MovableResult {
  constructor(private readonly result: TaskResult) {}
  get [Piscina.transferableSymbol](): ArrayBufferLike[] {
    return this.result.outputs.flatMap((output) => [output.data.buffer, output.ends.buffer, output.times.buffer]);
  }
  get [Piscina.valueSymbol](): TaskResult {
    return this.result;
  }
}

export default function processFrames(task: FrameTask): unknown {
  const startedAt = performance.now();
  const bytes = Buffer.from(task.data.buffer, task.data.byteOffset, task.data.byteLength);
  const syslog = new RowWriter(options.streams.syslog, options.rowSeparator, bytes.length * 2 + task.count * 320, task.count);
  const formats: Record<string, number> = {};
  const problems: Record<string, number> = {};
  let start = 0;
  for (let i = 0; i < task.count; i++) {
    const end = task.ends[i] ?? start;
    const text = bytes.toString('utf8', start, end);
    start = end;
    const receivedAt = task.receivedAt[i] ?? Date.now();
    const message = parseSyslog(text, { receivedAt });
    increment(formats, message.format);
    if (message.problem !== undefined) increment(problems, message.problem);
    const row = toSyslogRow(message, {
      hostIp: task.peers[task.peerIndex[i] ?? 0] ?? '',
      receivedAt,
      truncated: ((task.flags[i] ?? 0) & FRAME_TRUNCATED) !== 0,
    });
    syslog.write(JSON.stringify(row), message.timestamp ?? receivedAt);
  }
  const movable = new MovableResult({ outputs: [syslog.finish()], formats, problems, busyMs: performance.now() - startedAt });
  return Piscina.move(movable as unknown as Parameters<typeof Piscina.move>[0]);
}
