import { Buffer } from 'node:buffer';
import type { Batch } from '../sinks/types.ts';
import type { RowFraming, StreamRows } from './task.ts';

export interface BatchLimits {
  maxBytes: number;
  maxRows: number;
  maxAgeMs: number;
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Collects one stream's serialized rows into bodies of at most maxBytes and
 * maxRows, flushing on size, count or age. Rows arrive already serialized, so
 * this only copies contiguous byte ranges.
 */
export class StreamBatcher {
  private buffer: Buffer;
  private length: number;
  private rows = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly prefix: number;

  constructor(
    readonly stream: string,
    private readonly framing: RowFraming,
    private readonly limits: BatchLimits,
    private readonly deliver: (batch: Batch) => void,
  ) {
    this.prefix = framing === 'json-array' ? 1 : 0;
    this.buffer = this.freshBuffer();
    this.length = this.prefix;
  }

  /** Bytes held and not yet handed to the sink. */
  get bytes(): number {
    return this.length - this.prefix;
  }

  private freshBuffer(): Buffer {
    const buffer = Buffer.allocUnsafeSlow(this.limits.maxBytes);
    if (this.prefix) buffer[0] = OPEN_BRACKET;
    return buffer;
  }

  append(output: StreamRows): void {
    const { data, ends } = output;
    let row = 0;
    let start = 0;
    while (row < output.rows) {
      const room = this.limits.maxBytes - this.length;
      const rowRoom = this.limits.maxRows - this.rows;
      let last = row;
      while (last < output.rows && last - row < rowRoom && (ends[last] ?? 0) - start <= room) last++;
      if (last === row) {
        if (this.rows > 0) {
          this.flush();
          continue;
        }
        // A single row larger than a whole batch still goes out, alone, so the
        // sink can decide (the Logs Ingestion sink truncates fields).
        const end = ends[row] ?? start;
        this.deliver(this.frame(Buffer.from(data.subarray(start, end)), 1));
        start = end;
        row++;
        continue;
      }
      const end = ends[last - 1] ?? start;
      this.buffer.set(data.subarray(start, end), this.length);
      this.length += end - start;
      this.rows += last - row;
      start = end;
      row = last;
      if (this.rows >= this.limits.maxRows || this.length >= this.limits.maxBytes) this.flush();
    }
    if (this.rows > 0 && this.timer === undefined) {
      this.timer = setTimeout(() => this.flush(), this.limits.maxAgeMs);
    }
  }

  /** Wraps a run of serialized rows as a body in this stream's framing. */
  private frame(rows: Buffer, count: number): Batch {
    if (this.framing === 'json-array') {
      const body = Buffer.allocUnsafe(rows.length + 1);
      body[0] = OPEN_BRACKET;
      rows.copy(body, 1);
      body[body.length - 1] = CLOSE_BRACKET;
      return { stream: this.stream, body, rows: count };
    }
    return { stream: this.stream, body: rows, rows: count };
  }

  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.rows === 0) return;
    // The last row's separator becomes the closing bracket of a JSON array.
    if (this.framing === 'json-array') this.buffer[this.length - 1] = CLOSE_BRACKET;
    // A small batch (an age flush at low rates) is copied out so an idle stream
    // does not pin a whole maxBytes buffer while the sink works.
    const body =
      this.length < this.buffer.length / 2 ? Buffer.from(this.buffer.subarray(0, this.length)) : this.buffer.subarray(0, this.length);
    const batch: Batch = { stream: this.stream, body, rows: this.rows };
    if (body.buffer === this.buffer.buffer) this.buffer = this.freshBuffer();
    this.length = this.prefix;
    this.rows = 0;
    this.deliver(batch);
  }
}
