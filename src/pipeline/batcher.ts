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
 * Open batches per stream, each for rows within maxSpanMs of one another. A
 * sender whose times jump between two periods (a relay passing on a backlog
 * next to live logs, devices with wrong clocks) filled and shipped a batch at
 * every jump when there was one: 100,000 lines alternating between two times
 * three hours apart went out as 99,915 requests at 1,300 lines/s, and the
 * agent's RSS passed 600 MiB. With a window per period, each fills its own.
 */
export const MAX_OPEN_BATCHES = 16;

/** An extra window's buffer starts this small and doubles as its rows need, up to maxBytes. */
const EXTRA_BATCH_START_BYTES = 64 * 1024;
const EXTRA_BATCH_START_ROWS = 256;

/** One batch being filled: rows whose TimeGenerated values lie within maxSpanMs of each other. */
class OpenBatch {
  length: number;
  rows = 0;
  minTime = Number.POSITIVE_INFINITY;
  maxTime = Number.NEGATIVE_INFINITY;
  /** When its first and latest rows were added (ms, performance clock). */
  openedAt = 0;
  addedAt = 0;

  constructor(
    public buffer: Buffer,
    public ends: Uint32Array,
    readonly prefix: number,
  ) {
    this.length = prefix;
  }

  /** Whether a row of this time keeps the batch within the span. */
  takes(time: number, maxSpanMs: number): boolean {
    return (time > this.maxTime ? time : this.maxTime) - (time < this.minTime ? time : this.minTime) <= maxSpanMs;
  }
}

/**
 * Collects one stream's serialized rows into bodies of at most maxBytes and
 * maxRows whose TimeGenerated values span at most maxSpanMs, flushing on size,
 * count, age or idleness. Rows arrive already serialized, so this only copies
 * byte ranges and offsets.
 */
export class StreamBatcher {
  /** Never empty; the first is kept (with its buffer) when it is shipped, the others are let go. */
  private readonly open: OpenBatch[];
  private timer: NodeJS.Timeout | undefined;
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
    this.open = [new OpenBatch(this.freshBuffer(), new Uint32Array(limits.maxRows), this.prefix)];
  }

  /** Bytes held and not yet handed to the sink. */
  get bytes(): number {
    let bytes = 0;
    for (const batch of this.open) bytes += batch.length - this.prefix;
    return bytes;
  }

  private freshBuffer(): Buffer {
    const buffer = this.bodies?.acquire() ?? Buffer.allocUnsafeSlow(this.limits.maxBytes);
    if (this.prefix) buffer[0] = OPEN_BRACKET;
    return buffer;
  }

  /** Another period's batch: a small buffer of its own, grown as rows come (most such periods are short). */
  private extraBatch(): OpenBatch {
    const buffer = Buffer.allocUnsafeSlow(Math.min(EXTRA_BATCH_START_BYTES, this.limits.maxBytes));
    if (this.prefix) buffer[0] = OPEN_BRACKET;
    return new OpenBatch(buffer, new Uint32Array(Math.min(EXTRA_BATCH_START_ROWS, this.limits.maxRows)), this.prefix);
  }

  /** Room for `bytes` bytes and `rows` rows in all (only another period's batch starts smaller than that). */
  private grow(batch: OpenBatch, bytes: number, rows: number): void {
    if (bytes > batch.buffer.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.min(this.limits.maxBytes, Math.max(bytes, batch.buffer.length * 2)));
      batch.buffer.copy(bigger, 0, 0, batch.length);
      batch.buffer = bigger;
    }
    if (rows > batch.ends.length) {
      const more = new Uint32Array(Math.min(this.limits.maxRows, Math.max(rows, batch.ends.length * 2)));
      more.set(batch.ends.subarray(0, batch.rows));
      batch.ends = more;
    }
  }

  /**
   * The batch a row of this time goes into: one holding rows of its period,
   * else an empty one, else a new one; with MAX_OPEN_BATCHES open, the fullest
   * is shipped to make room (the largest request, and the batch nearest to
   * going anyway).
   */
  private batchFor(time: number): OpenBatch {
    const { maxSpanMs } = this.limits;
    let empty: OpenBatch | undefined;
    for (const batch of this.open) {
      if (batch.rows === 0) empty ??= batch;
      else if (batch.takes(time, maxSpanMs)) return batch;
    }
    if (empty) return empty;
    if (this.open.length < MAX_OPEN_BATCHES) {
      const batch = this.extraBatch();
      this.open.push(batch);
      return batch;
    }
    let fullest = this.open[0] as OpenBatch;
    for (const batch of this.open) if (batch.length > fullest.length) fullest = batch;
    this.ship(fullest);
    return this.batchFor(time);
  }

  append(output: StreamRows): void {
    const { data, ends, times } = output;
    const { maxBytes, maxRows, maxSpanMs } = this.limits;
    const now = performance.now();
    let row = 0;
    let start = 0;
    while (row < output.rows) {
      if ((ends[row] ?? start) - start > maxBytes - this.prefix) {
        // A single row larger than a whole batch still goes out, alone, so the
        // sink decides (the Logs Ingestion sink dead-letters it on 413).
        const end = ends[row] ?? start;
        this.deliver(this.single(data.subarray(start, end)));
        start = end;
        row++;
        continue;
      }
      const batch = this.batchFor(times[row] ?? 0);
      const room = maxBytes - batch.length;
      const rowRoom = maxRows - batch.rows;
      let minTime = batch.minTime;
      let maxTime = batch.maxTime;
      let last = row;
      while (last < output.rows && last - row < rowRoom && (ends[last] ?? 0) - start <= room) {
        const time = times[last] ?? 0;
        const nextMin = time < minTime ? time : minTime;
        const nextMax = time > maxTime ? time : maxTime;
        if (nextMax - nextMin > maxSpanMs) break;
        minTime = nextMin;
        maxTime = nextMax;
        last++;
      }
      if (last === row) {
        // The row's period has a batch, but it is full (an empty one takes any row that fits a batch).
        this.ship(batch);
        continue;
      }
      const end = ends[last - 1] ?? start;
      if (batch.length + end - start > batch.buffer.length || batch.rows + last - row > batch.ends.length) this.grow(batch, batch.length + end - start, batch.rows + last - row);
      const shift = batch.length - start;
      for (let i = row; i < last; i++) batch.ends[batch.rows + i - row] = (ends[i] ?? 0) + shift;
      batch.buffer.set(data.subarray(start, end), batch.length);
      if (batch.rows === 0) batch.openedAt = now;
      batch.length += end - start;
      batch.rows += last - row;
      batch.minTime = minTime;
      batch.maxTime = maxTime;
      batch.addedAt = now;
      start = end;
      row = last;
      if (batch.rows >= maxRows || batch.length >= maxBytes) this.ship(batch);
    }
    if (this.timer === undefined) this.arm(now);
  }

  /**
   * One timer for the open batches, for whichever comes first: a batch's age
   * limit, or the input to it going quiet. A burst that ends is shipped idleMs
   * after its last row instead of waiting out maxAgeMs; a steady stream
   * re-arms the timer and is cut by size or age as before.
   */
  private arm(now: number): void {
    let due = Number.POSITIVE_INFINITY;
    for (const batch of this.open) if (batch.rows > 0) due = Math.min(due, this.dueAt(batch));
    if (due !== Number.POSITIVE_INFINITY) this.timer = setTimeout(() => this.onTimer(), Math.max(0, due - now));
  }

  private dueAt(batch: OpenBatch): number {
    const { maxAgeMs, idleMs } = this.limits;
    return Math.min(batch.openedAt + maxAgeMs, idleMs > 0 ? batch.addedAt + idleMs : Number.POSITIVE_INFINITY);
  }

  private onTimer(): void {
    this.timer = undefined;
    const now = performance.now();
    // Timers may fire up to a millisecond early.
    for (const batch of [...this.open]) if (batch.rows > 0 && now + 1 >= this.dueAt(batch)) this.ship(batch);
    this.arm(now);
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

  /** Ships every open batch. */
  flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    for (const batch of [...this.open]) if (batch.rows > 0) this.ship(batch);
  }

  private ship(batch: OpenBatch): void {
    // The last row's separator becomes the closing bracket of a JSON array.
    if (this.prefix) batch.buffer[batch.length - 1] = CLOSE_BRACKET;
    // A small batch (an age flush at low rates) is copied out so an idle stream
    // does not pin a whole maxBytes buffer while the sink works.
    const small = batch.length < batch.buffer.length / 2;
    const body = small ? copyOut(batch.buffer, batch.length) : batch.buffer.subarray(0, batch.length);
    const shipped: Batch = {
      stream: this.stream,
      body,
      rows: batch.rows,
      framing: this.framing,
      ends: batch.ends.slice(0, batch.rows),
      createdAt: Date.now(),
    };
    if (batch === this.open[0]) {
      if (!small) batch.buffer = this.freshBuffer();
      batch.length = this.prefix;
      batch.rows = 0;
      batch.minTime = Number.POSITIVE_INFINITY;
      batch.maxTime = Number.NEGATIVE_INFINITY;
    } else {
      // Another period's batch, with a buffer of its own: let it go.
      this.open.splice(this.open.indexOf(batch), 1);
    }
    this.deliver(shipped);
  }
}

/** The first `length` bytes in a buffer of their own (not from Node's shared pool: see single()). */
function copyOut(buffer: Buffer, length: number): Buffer {
  const copy = Buffer.allocUnsafeSlow(length);
  buffer.copy(copy, 0, 0, length);
  return copy;
}
