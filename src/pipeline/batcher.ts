import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import type { Batch } from '../sinks/types.ts';
import type { BodyPool } from './body-pool.ts';
import type { RowFraming, StreamRows } from './task.ts';

export interface BatchLimits {
  maxBytes: number;
  maxRows: number;
  maxAgeMs: number;
  /** Flush once no row has been added for this long (0: only maxAgeMs). */
  idleMs: number;
  /** Largest TimeGenerated span within one batch. */
  maxSpanMs: number;
}

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * Collects one stream's serialized rows into bodies of at most maxBytes and
 * maxRows whose TimeGenerated values span at most maxSpanMs, flushing on size,
 * count, span, age or idleness. Rows arrive already serialized, so this only copies
 * byte ranges and offsets.
 */
export class StreamBatcher {
  private buffer: Buffer;
  private ends: Uint32Array;
  private length: number;
  private rows = 0;
  private minTime = Number.POSITIVE_INFINITY;
  private maxTime = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  /** When the batch's first and latest rows were added (ms, performance clock). */
  private openedAt = 0;
  private addedAt = 0;
  private readonly prefix: number;

  constructor(
    readonly stream: string,
    private readonly framing: RowFraming,
    private readonly limits: BatchLimits,
    private readonly deliver: (batch: Batch) => void,
    /** Where full-size bodies come from; without one, each is a fresh ArrayBuffer. */
    private readonly bodies?: BodyPool,
  ) {
    this.prefix = framing === 'json-array' ? 1 : 0;
    this.buffer = this.freshBuffer();
    this.ends = new Uint32Array(limits.maxRows);
    this.length = this.prefix;
  }

  /** Bytes held and not yet handed to the sink. */
  get bytes(): number {
    return this.length - this.prefix;
  }

  private freshBuffer(): Buffer {
    const buffer = this.bodies?.acquire() ?? Buffer.allocUnsafeSlow(this.limits.maxBytes);
    if (this.prefix) buffer[0] = OPEN_BRACKET;
    return buffer;
  }

  append(output: StreamRows): void {
    const { data, ends, times } = output;
    let row = 0;
    let start = 0;
    while (row < output.rows) {
      const room = this.limits.maxBytes - this.length;
      const rowRoom = this.limits.maxRows - this.rows;
      let minTime = this.minTime;
      let maxTime = this.maxTime;
      let last = row;
      while (last < output.rows && last - row < rowRoom && (ends[last] ?? 0) - start <= room) {
        const time = times[last] ?? 0;
        const nextMin = time < minTime ? time : minTime;
        const nextMax = time > maxTime ? time : maxTime;
        if (nextMax - nextMin > this.limits.maxSpanMs) break;
        minTime = nextMin;
        maxTime = nextMax;
        last++;
      }
      if (last === row) {
        if (this.rows > 0) {
          this.flush();
          continue;
        }
        // A single row larger than a whole batch still goes out, alone, so the
        // sink decides (the Logs Ingestion sink dead-letters it on 413).
        const end = ends[row] ?? start;
        this.deliver(this.single(data.subarray(start, end)));
        start = end;
        row++;
        continue;
      }
      const end = ends[last - 1] ?? start;
      const shift = this.length - start;
      for (let i = row; i < last; i++) this.ends[this.rows + i - row] = (ends[i] ?? 0) + shift;
      this.buffer.set(data.subarray(start, end), this.length);
      this.length += end - start;
      this.rows += last - row;
      this.minTime = minTime;
      this.maxTime = maxTime;
      start = end;
      row = last;
      if (this.rows >= this.limits.maxRows || this.length >= this.limits.maxBytes) this.flush();
    }
    if (this.rows === 0) return;
    this.addedAt = performance.now();
    if (this.timer === undefined) {
      this.openedAt = this.addedAt;
      this.arm(this.addedAt);
    }
  }

  /**
   * One timer per open batch, for whichever comes first: its age limit, or
   * the input going quiet. A burst that ends is shipped idleMs after its last
   * row instead of waiting out maxAgeMs; a steady stream re-arms the timer
   * and is cut by size or age as before.
   */
  private arm(now: number): void {
    const { maxAgeMs, idleMs } = this.limits;
    const ageLeft = this.openedAt + maxAgeMs - now;
    const idleLeft = idleMs > 0 ? this.addedAt + idleMs - now : Number.POSITIVE_INFINITY;
    this.timer = setTimeout(() => this.onTimer(), Math.max(0, Math.min(ageLeft, idleLeft)));
  }

  private onTimer(): void {
    this.timer = undefined;
    const now = performance.now();
    const { maxAgeMs, idleMs } = this.limits;
    // Timers may fire up to a millisecond early.
    if (now + 1 >= this.openedAt + maxAgeMs || (idleMs > 0 && now + 1 >= this.addedAt + idleMs)) this.flush();
    else if (this.rows > 0) this.arm(now);
  }

  /** One serialized row (with its separator) as a batch of its own. */
  private single(row: Uint8Array): Batch {
    // Bodies own their ArrayBuffer (never Node's shared pool): they are transferred to a worker to be sealed.
    const body = Buffer.allocUnsafeSlow(this.prefix + row.length);
    if (this.prefix) body[0] = OPEN_BRACKET;
    body.set(row, this.prefix);
    if (this.prefix) body[body.length - 1] = CLOSE_BRACKET;
    return { stream: this.stream, body, rows: 1, framing: this.framing, ends: Uint32Array.of(body.length), createdAt: Date.now() };
  }

  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.rows === 0) return;
    // The last row's separator becomes the closing bracket of a JSON array.
    if (this.prefix) this.buffer[this.length - 1] = CLOSE_BRACKET;
    // A small batch (an age flush at low rates) is copied out so an idle stream
    // does not pin a whole maxBytes buffer while the sink works.
    const small = this.length < this.buffer.length / 2;
    const body = small ? copyOut(this.buffer, this.length) : this.buffer.subarray(0, this.length);
    const batch: Batch = {
      stream: this.stream,
      body,
      rows: this.rows,
      framing: this.framing,
      ends: this.ends.slice(0, this.rows),
      createdAt: Date.now(),
    };
    if (!small) this.buffer = this.freshBuffer();
    this.length = this.prefix;
    this.rows = 0;
    this.minTime = Number.POSITIVE_INFINITY;
    this.maxTime = Number.NEGATIVE_INFINITY;
    this.deliver(batch);
  }
}

/** The first `length` bytes in a buffer of their own (not from Node's shared pool: see single()). */
function copyOut(buffer: Buffer, length: number): Buffer {
  const copy = Buffer.allocUnsafeSlow(length);
  buffer.copy(copy, 0, 0, length);
  return copy;
}
