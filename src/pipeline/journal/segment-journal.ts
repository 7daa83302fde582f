import { EventEmitter } from 'node:events';
import { mkdir, open, readFile, readdir, truncate, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import type { Batch } from '../../sinks/types.ts';
import { AsimdError } from '../../errors/index.ts';
import { MAGIC, SEGMENT_NAME, decodeRecord, encodeAck, encodeBatch, formatOf, segmentName, unverifiedBatchIds } from './format.ts';
import type { EncodedRecord } from './format.ts';

export type FsyncPolicy = 'batch' | 'interval' | 'never';
export type WhenFull = 'block' | 'drop_oldest';

export interface JournalOptions {
  directory: string;
  /** Bytes the journal's files may take on disk (records, acks and segment headers). */
  maxBytes: number;
  /** A segment rolls once it would pass this size; at most maxBytes / 4, so dropping one frees room. */
  segmentBytes: number;
  fsync: FsyncPolicy;
  fsyncIntervalMs: number;
  whenFull: WhenFull;
  /** Test seam: how segment files are created and synced. Defaults to node:fs. */
  io?: JournalIo;
}

/** What the journal needs of a segment file. Tests substitute one that fails like a full or broken disk. */
export interface SegmentFile {
  writev(parts: Buffer[], position: number): Promise<number>;
  datasync(): Promise<void>;
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

export interface JournalIo {
  /** Creates a new, empty file (exclusively). */
  create(path: string): Promise<SegmentFile>;
  /** Makes a created or removed directory entry durable. */
  syncDirectory(path: string): Promise<void>;
}

export type JournalLogger = Pick<Logger, 'warn' | 'error'>;

export interface JournalHooks {
  /** Batches lost, with why: torn_tail, corrupt, drop_oldest. Never called per batch on the hot path. */
  onLoss(reason: string, batches: number, bytes: number): void;
  logger?: JournalLogger;
}

/**
 * An unacknowledged batch found at open: what delivery needs to queue it, not
 * its body, so replaying a journal larger than memory reads one batch at a
 * time (`read`).
 */
export interface JournaledRef {
  id: number;
  stream: string;
  rows: number;
  createdAt: number;
  /** Length of the batch's body. */
  bodyBytes: number;
}

export type AppendResult =
  | { ok: true; id: number }
  /**
   * full: maxBytes is reached and whenFull is block. too_large: the batch alone
   * is larger than maxBytes allows. disk_error: the OS refused (ENOSPC, EIO,
   * EROFS…), or the journal is closed; `error` says which.
   */
  | { ok: false; reason: 'full' | 'too_large' | 'disk_error'; error?: string };

export interface OpenResult {
  journal: SegmentJournal;
  /** Batches written and never acknowledged, in the order they were appended. */
  recovered: JournaledRef[];
  /** What recovery could not read back (a torn tail, a corrupt record and the rest of its segment). */
  dropped: { batches: number; bytes: number; reasons: string[] };
}

interface Segment {
  sequence: number;
  path: string;
  /** Bytes in the file, header included. */
  size: number;
  /** Record format (format.ts); segments from an older release keep theirs until they are deleted. */
  format: 1 | 2;
  /** Unacknowledged batches in this segment: id → where the record is. */
  live: Map<number, RecordAt>;
  file: SegmentFile | undefined;
  /** A write could not be undone: no more records go into this file. */
  tainted: boolean;
  reclaimFailed: boolean;
  /** ACK records in this file for batches in older files: rewritten elsewhere before this file is deleted. */
  acksHeld: Array<{ id: number; target: Segment }>;
}

interface RecordAt {
  offset: number;
  size: number;
}

type Op =
  | { kind: 'append'; id: number; record: EncodedRecord; done: (result: AppendResult) => void }
  | { kind: 'ack'; id: number; target: Segment; done: () => void }
  | { kind: 'reclaim'; done: () => void }
  | { kind: 'sync'; done: () => void }
  | { kind: 'close'; done: () => void };

const fsIo: JournalIo = {
  async create(path) {
    const handle = await open(path, 'wx');
    return {
      writev: async (parts, position) => (await handle.writev(parts, position)).bytesWritten,
      datasync: () => handle.datasync(),
      truncate: (length) => handle.truncate(length),
      close: () => handle.close(),
    };
  },
  async syncDirectory(path) {
    const handle = await open(path, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  },
};

const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);
const codeOf = (err: unknown): string =>
  typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : 'EUNKNOWN';
const describe = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * A crash-safe, bounded on-disk journal of batches: append-only segment files
 * of checksummed records (format.ts). A batch is appended before it is sent and
 * acknowledged once the destination took it (or it was dead-lettered); a
 * segment whose batches are all acknowledged is deleted. On open, segments are
 * validated record by record; a torn or corrupt record and what follows it in
 * its segment are truncated, counted and logged, and the unacknowledged
 * batches are handed back in order.
 *
 * All file operations run one at a time on an internal queue. Appends that
 * arrive while a write or fsync is in progress are written together and share
 * one fsync (group commit), so `fsync: batch` still makes each resolved append
 * durable. No method rejects on a disk error: append resolves with a reason.
 */
export class SegmentJournal extends EventEmitter {
  private readonly directory: string;
  private readonly maxBytes: number;
  private readonly segmentBytes: number;
  private readonly io: JournalIo;
  private readonly segments: Segment[];
  private active!: Segment;
  private readonly index = new Map<number, Segment>();
  private nextId: number;
  private nextSequence: number;
  private unackedBytes = 0;
  private diskUsed = 0;
  private queue: Op[] = [];
  private running = false;
  private pendingAcks: Array<{ id: number; target: Segment }> = [];
  private ackWaiters: Array<() => void> = [];
  private written: Array<{ id: number; done: (result: AppendResult) => void }> = [];
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private needDrain = false;
  private refusedBytes = 0;
  private closing = false;
  private ackErrorLogged = false;

  private constructor(
    private readonly options: JournalOptions,
    private readonly hooks: JournalHooks,
    segments: Segment[],
    nextId: number,
  ) {
    super();
    this.directory = resolve(options.directory);
    this.maxBytes = options.maxBytes;
    this.segmentBytes = Math.max(64 * 1024, Math.min(options.segmentBytes, Math.floor(options.maxBytes / 4)));
    this.io = options.io ?? fsIo;
    this.segments = segments;
    this.nextId = nextId;
    const last = segments[segments.length - 1];
    this.nextSequence = last ? last.sequence + 1 : 1;
    for (const segment of segments) {
      this.diskUsed += segment.size;
      for (const [id, { size }] of segment.live) {
        this.index.set(id, segment);
        this.unackedBytes += size;
      }
    }
  }

  static async open(options: JournalOptions, hooks: JournalHooks): Promise<OpenResult> {
    if (!(options.maxBytes > 0) || !(options.segmentBytes > 0) || (options.fsync === 'interval' && !(options.fsyncIntervalMs > 0))) {
      throw new AsimdError('ASIMD_JOURNAL_OPTIONS', 'journal: maxBytes and segmentBytes must be positive, and fsyncIntervalMs too with fsync: interval');
    }
    const directory = resolve(options.directory);
    let names: string[];
    try {
      await mkdir(directory, { recursive: true });
      names = (await readdir(directory)).filter((name) => SEGMENT_NAME.test(name)).sort();
    } catch (err) {
      throw new AsimdError('ASIMD_JOURNAL_OPEN', `journal: cannot use ${directory}: ${describe(err)}`, { cause: err });
    }
    const segments: Segment[] = [];
    const batches: Array<JournaledRef & { at: RecordAt; segment: Segment }> = [];
    const acked = new Set<number>();
    const ackRecords: Array<{ id: number; segment: Segment }> = [];
    const losses: Array<{ segment: string; offset: number; bytes: number; reason: string; ids: number[]; unnamed: number }> = [];
    let maxId = 0;
    for (const [i, name] of names.entries()) {
      const path = join(directory, name);
      let data: Buffer;
      try {
        data = await readFile(path);
      } catch (err) {
        throw new AsimdError('ASIMD_JOURNAL_OPEN', `journal: cannot read ${path}: ${describe(err)}`, { cause: err });
      }
      const format = formatOf(data);
      const segment: Segment = { sequence: Number(name.slice(0, 16)), path, size: data.length, format: format ?? 2, live: new Map(), file: undefined, tainted: false, reclaimFailed: false, acksHeld: [] };
      segments.push(segment);
      const isLast = i === names.length - 1;
      let offset = 0;
      let bad: { torn: boolean } | undefined;
      if (format === undefined) {
        bad = { torn: data.length < MAGIC.length && MAGIC.subarray(0, data.length).equals(data) };
      } else {
        offset = MAGIC.length;
        while (offset < data.length) {
          const record = decodeRecord(data, offset, format);
          if (record.kind === 'bad') {
            bad = record;
            break;
          }
          if (record.kind === 'batch') {
            const { stream, rows, createdAt, body } = record.batch;
            // Only the description is kept: the segment's buffer is released before the next one is read.
            batches.push({ id: record.id, stream, rows, createdAt, bodyBytes: body.length, at: { offset, size: record.size }, segment });
          }
          else {
            acked.add(record.id);
            ackRecords.push({ id: record.id, segment });
          }
          maxId = Math.max(maxId, record.id);
          offset += record.size;
        }
      }
      if (bad) {
        const tail = offset >= MAGIC.length ? unverifiedBatchIds(data, offset) : { ids: [], unnamed: 0 };
        losses.push({ segment: name, offset, bytes: data.length - offset, reason: isLast && bad.torn ? 'torn_tail' : 'corrupt', ...tail });
        for (const id of tail.ids) if (Number.isSafeInteger(id)) maxId = Math.max(maxId, id);
        try {
          await truncate(path, offset);
          segment.size = offset;
        } catch (err) {
          hooks.logger?.error({ err, segment: path }, 'journal: could not truncate a damaged segment');
          segment.tainted = true;
        }
      }
    }
    const dropped = { batches: 0, bytes: 0, reasons: [] as string[] };
    for (const loss of losses) {
      const lost = loss.ids.filter((id) => !acked.has(id)).length + loss.unnamed;
      dropped.batches += lost;
      dropped.bytes += loss.bytes;
      if (!dropped.reasons.includes(loss.reason)) dropped.reasons.push(loss.reason);
      hooks.onLoss(loss.reason, lost, loss.bytes);
      hooks.logger?.warn(
        { segment: loss.segment, offset: loss.offset, bytes: loss.bytes, batches: lost, reason: loss.reason },
        'journal: dropped a torn or corrupt record and the rest of its segment',
      );
    }
    const batchSegment = new Map(batches.map(({ id, segment }) => [id, segment]));
    for (const { id, segment } of ackRecords) {
      const target = batchSegment.get(id);
      if (target && target !== segment) segment.acksHeld.push({ id, target });
    }
    const recovered: JournaledRef[] = [];
    for (const { at, segment, ...ref } of batches) {
      if (acked.has(ref.id)) continue;
      segment.live.set(ref.id, at);
      recovered.push(ref);
    }
    const journal = new SegmentJournal(options, hooks, segments, maxId + 1);
    try {
      await journal.start();
    } catch (err) {
      throw new AsimdError('ASIMD_JOURNAL_OPEN', `journal: cannot create a segment in ${directory}: ${describe(err)}`, { cause: err });
    }
    return { journal, recovered, dropped };
  }

  private async start(): Promise<void> {
    // Recovered segments are only read from now on; new records go to a fresh one.
    this.active = await this.createSegment();
    this.segments.push(this.active);
    this.diskUsed += this.active.size;
    await this.reclaimEmpty();
    if (this.options.fsync === 'interval') {
      this.timer = setInterval(() => {
        if (this.dirty && !this.closing) void this.enqueue<void>((done) => ({ kind: 'sync', done }));
      }, this.options.fsyncIntervalMs);
      this.timer.unref();
    }
  }

  /** Bytes of unacknowledged batch records. */
  get bytes(): number {
    return this.unackedBytes;
  }

  /** Bytes the journal's files take on disk; bounded by maxBytes. */
  get diskBytes(): number {
    return this.diskUsed;
  }

  /** Unacknowledged batches. */
  get size(): number {
    return this.index.size;
  }

  /** True after an append was refused (full, or a disk error) until 'drain'; sources should pause. */
  get full(): boolean {
    return this.needDrain || this.diskUsed >= this.maxBytes;
  }

  /** Resolves once the batch is written (and, with fsync: batch, on stable storage). */
  append(batch: Batch): Promise<AppendResult> {
    if (this.closing) return Promise.resolve({ ok: false, reason: 'disk_error', error: 'journal closed' });
    const id = this.nextId++;
    const record = encodeBatch(id, batch);
    return this.enqueue<AppendResult>((done) => ({ kind: 'append', id, record, done }));
  }

  /** Marks a batch delivered (or dead-lettered). Unknown ids (already dropped) are ignored. */
  ack(id: number): Promise<void> {
    const segment = this.index.get(id);
    if (!segment) return Promise.resolve();
    const size = segment.live.get(id)?.size ?? 0;
    this.index.delete(id);
    segment.live.delete(id);
    this.unackedBytes -= size;
    if (this.closing) return Promise.resolve();
    // A segment about to be deleted needs no ACK record: deleting it is the acknowledgement.
    if (segment !== this.active && segment.live.size === 0) return this.enqueue<void>((done) => ({ kind: 'reclaim', done }));
    return this.enqueue<void>((done) => ({ kind: 'ack', id, target: segment, done }));
  }

  /**
   * Reads an unacknowledged batch back from its segment, checksum verified.
   * Undefined when it is gone (acknowledged, or dropped by drop_oldest) or
   * unreadable; an unreadable batch is forgotten and counted (`unreadable`).
   */
  async read(id: number): Promise<Batch | undefined> {
    const segment = this.index.get(id);
    const at = segment?.live.get(id);
    if (!segment || !at) return undefined;
    let problem: string;
    try {
      const handle = await open(segment.path, 'r');
      try {
        const data = Buffer.allocUnsafe(at.size);
        const { bytesRead } = await handle.read(data, 0, at.size, at.offset);
        const record = decodeRecord(data.subarray(0, bytesRead), 0, segment.format);
        if (record.kind === 'batch' && record.id === id) return record.batch;
        problem = 'checksum or id mismatch';
      } finally {
        await handle.close();
      }
    } catch (err) {
      // Dropped (drop_oldest) while the read was in flight: already counted.
      if (!this.index.has(id)) return undefined;
      problem = `${codeOf(err)}: ${describe(err)}`;
    }
    if (!this.index.has(id)) return undefined;
    this.hooks.onLoss('unreadable', 1, at.size);
    this.hooks.logger?.error({ segment: segment.path, offset: at.offset, bytes: at.size, problem }, 'journal: a batch could not be read back; it is lost');
    await this.ack(id);
    return undefined;
  }

  /** Writes what is queued, syncs and closes the active file. Later appends resolve with disk_error. */
  close(): Promise<void> {
    if (this.closing) return Promise.resolve();
    this.closing = true;
    clearInterval(this.timer);
    return this.enqueue<void>((done) => ({ kind: 'close', done }));
  }

  private enqueue<T>(make: (done: (value: T) => void) => Op): Promise<T> {
    return new Promise<T>((done) => {
      this.queue.push(make(done));
      if (!this.running) {
        this.running = true;
        void this.run();
      }
    });
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const ops = this.queue;
        this.queue = [];
        for (const op of ops) {
          switch (op.kind) {
            case 'append':
              await this.writeBatch(op.id, op.record, op.done);
              break;
            case 'ack':
              this.pendingAcks.push({ id: op.id, target: op.target });
              this.ackWaiters.push(op.done);
              break;
            case 'reclaim':
              op.done();
              break;
            case 'sync':
              await this.settle(true);
              op.done();
              break;
            case 'close':
              await this.settle(this.options.fsync !== 'never');
              await this.active.file?.close().catch(() => undefined);
              this.active.file = undefined;
              op.done();
              break;
          }
        }
        await this.settle(false);
        await this.reclaimEmpty();
      }
    } catch (err) {
      // Every disk call below handles its own errors; this is a bug. Keep the queue alive.
      this.hooks.logger?.error({ err }, 'journal: unexpected error');
    } finally {
      this.running = false;
      if (this.queue.length > 0) {
        this.running = true;
        void this.run();
      }
    }
  }

  private async writeBatch(id: number, record: EncodedRecord, done: (result: AppendResult) => void): Promise<void> {
    if (!this.active.file) {
      done({ ok: false, reason: 'disk_error', error: 'journal closed' });
      return;
    }
    if (record.size + MAGIC.length > this.maxBytes) {
      done({ ok: false, reason: 'too_large', error: `a ${record.size}-byte record cannot fit in maxBytes ${this.maxBytes}` });
      return;
    }
    if (this.active.tainted || (this.active.size > MAGIC.length && this.active.size + record.size > this.segmentBytes)) {
      const error = await this.roll();
      if (error !== undefined) {
        this.refuse(record.size);
        done({ ok: false, reason: 'disk_error', error });
        return;
      }
    }
    if (this.diskUsed + record.size > this.maxBytes) {
      if (this.options.whenFull === 'block' || !(await this.dropOldest(record.size, false))) {
        this.refuse(record.size);
        done({ ok: false, reason: 'full' });
        return;
      }
    }
    for (;;) {
      const segment = this.active;
      const file = segment.file;
      if (!file) return done({ ok: false, reason: 'disk_error', error: 'journal closed' });
      try {
        await writeFully(file, record.parts, segment.size, record.size);
      } catch (err) {
        await this.undo(segment, file);
        // A full disk is a full journal: under drop_oldest make room and try again.
        if (NO_SPACE.has(codeOf(err)) && this.options.whenFull === 'drop_oldest' && (await this.dropOldest(record.size, true))) continue;
        this.refuse(record.size);
        done({ ok: false, reason: 'disk_error', error: `${codeOf(err)}: ${describe(err)}` });
        return;
      }
      segment.live.set(id, { offset: segment.size, size: record.size });
      segment.size += record.size;
      this.index.set(id, segment);
      this.diskUsed += record.size;
      this.unackedBytes += record.size;
      this.dirty = true;
      this.written.push({ id, done });
      return;
    }
  }

  /** Cuts a failed write off the file; a file that cannot be cut is written no more. */
  private async undo(segment: Segment, file: SegmentFile): Promise<void> {
    try {
      await file.truncate(segment.size);
    } catch {
      segment.tainted = true;
    }
  }

  private refuse(bytes: number): void {
    this.needDrain = true;
    this.refusedBytes = Math.max(this.refusedBytes, bytes);
  }

  /**
   * Writes buffered ACK records, then (with fsync: batch, or when `force`)
   * syncs the active file, then resolves the appends written since the last
   * settle. A failed sync fails those appends: their bytes may not be on disk.
   */
  private async settle(force: boolean): Promise<void> {
    const segment = this.active;
    const file = segment.file;
    if (this.pendingAcks.length > 0 && file) {
      const acks = this.pendingAcks;
      const records = acks.map(({ id }) => encodeAck(id));
      const bytes = records.reduce((sum, record) => sum + record.length, 0);
      this.pendingAcks = [];
      try {
        await writeFully(file, records, segment.size, bytes);
        for (const ack of acks) if (ack.target !== segment) segment.acksHeld.push(ack);
        segment.size += bytes;
        this.diskUsed += bytes;
        this.dirty = true;
      } catch (err) {
        // A lost ACK record only means the batch is sent again after a crash.
        await this.undo(segment, file);
        if (!this.ackErrorLogged) this.hooks.logger?.warn({ err, code: codeOf(err) }, 'journal: could not write acknowledgements; they may be replayed after a restart');
        this.ackErrorLogged = true;
      }
    }
    const waiters = this.ackWaiters;
    this.ackWaiters = [];
    for (const wake of waiters) wake();
    const written = this.written;
    this.written = [];
    if ((force || this.options.fsync === 'batch') && this.dirty && file) {
      try {
        await file.datasync();
        this.dirty = false;
      } catch (err) {
        // After a failed fsync the page cache cannot be trusted: stop writing to this file.
        segment.tainted = true;
        this.hooks.logger?.error({ err, code: codeOf(err), segment: segment.path }, 'journal: fsync failed');
        if (this.options.fsync === 'batch') {
          for (const { id, done } of written) {
            const size = segment.live.get(id)?.size ?? 0;
            segment.live.delete(id);
            this.index.delete(id);
            this.unackedBytes -= size;
            done({ ok: false, reason: 'disk_error', error: `${codeOf(err)}: ${describe(err)}` });
          }
          this.refuse(0);
          return;
        }
      }
    }
    for (const { id, done } of written) done({ ok: true, id });
    if (written.length > 0) this.checkDrain();
  }

  /** Starts a new active segment. Returns the error, if any; the old one stays active then. */
  private async roll(): Promise<string | undefined> {
    await this.settle(false);
    let next: Segment;
    try {
      next = await this.createSegment();
    } catch (err) {
      this.hooks.logger?.error({ err, code: codeOf(err), directory: this.directory }, 'journal: cannot create a segment');
      return `${codeOf(err)}: ${describe(err)}`;
    }
    const old = this.active;
    // Whatever is written to the old file is made durable before it is left behind.
    if (this.dirty && old.file) await old.file.datasync().catch(() => undefined);
    this.dirty = false;
    await old.file?.close().catch(() => undefined);
    old.file = undefined;
    this.active = next;
    this.segments.push(next);
    this.diskUsed += next.size;
    return undefined;
  }

  private async createSegment(): Promise<Segment> {
    const sequence = this.nextSequence++;
    const path = join(this.directory, segmentName(sequence));
    const file = await this.io.create(path);
    try {
      await writeFully(file, [MAGIC], 0, MAGIC.length);
      if (this.options.fsync === 'batch') {
        await file.datasync();
        await this.io.syncDirectory(this.directory);
      }
    } catch (err) {
      await file.close().catch(() => undefined);
      await unlink(path).catch(() => undefined);
      throw err;
    }
    return { sequence, path, size: MAGIC.length, format: 2, live: new Map(), file, tainted: false, reclaimFailed: false, acksHeld: [] };
  }

  /**
   * drop_oldest: acknowledges the oldest segments' batches and deletes them
   * until `need` more bytes fit (or, with `once`, one segment is gone). Rolls
   * the active segment when it is the oldest. False if nothing could be freed.
   */
  private async dropOldest(need: number, once: boolean): Promise<boolean> {
    let batches = 0;
    let bytes = 0;
    let freed = false;
    try {
      while (once ? !freed : this.diskUsed + need > this.maxBytes) {
        let oldest = this.segments[0];
        if (!oldest) return false;
        if (oldest === this.active) {
          if (oldest.size <= MAGIC.length || (await this.roll()) !== undefined) return false;
          oldest = this.segments[0];
          if (!oldest || oldest === this.active) return false;
        }
        for (const [id, { size }] of oldest.live) {
          this.index.delete(id);
          this.unackedBytes -= size;
          batches++;
          bytes += size;
        }
        oldest.live.clear();
        if (!(await this.remove(oldest))) return false;
        freed = true;
      }
      return true;
    } finally {
      if (batches > 0) {
        this.hooks.onLoss('drop_oldest', batches, bytes);
        this.hooks.logger?.warn({ batches, bytes, reason: 'drop_oldest' }, 'journal: full; dropped the oldest batches');
      }
    }
  }

  private async reclaimEmpty(): Promise<void> {
    let reclaimed = false;
    for (const segment of [...this.segments]) {
      if (segment !== this.active && segment.live.size === 0) reclaimed = (await this.remove(segment)) || reclaimed;
    }
    if (reclaimed) this.checkDrain();
  }

  private checkDrain(): void {
    if (this.needDrain && this.diskUsed + this.refusedBytes <= this.maxBytes && this.diskUsed < this.maxBytes) {
      this.needDrain = false;
      this.refusedBytes = 0;
      this.emit('drain');
    }
  }

  private async remove(segment: Segment): Promise<boolean> {
    // Its ACK records for batches in older, surviving files must outlive it.
    const carried = segment.acksHeld.filter(({ target }) => target !== segment && this.segments.includes(target));
    if (carried.length > 0 && segment !== this.active) {
      this.pendingAcks.push(...carried);
      await this.settle(false);
    }
    try {
      await unlink(segment.path);
    } catch (err) {
      if (codeOf(err) !== 'ENOENT') {
        if (!segment.reclaimFailed) this.hooks.logger?.warn({ err, segment: segment.path }, 'journal: could not delete an acknowledged segment');
        segment.reclaimFailed = true;
        return false;
      }
    }
    const at = this.segments.indexOf(segment);
    if (at >= 0) this.segments.splice(at, 1);
    this.diskUsed -= segment.size;
    return true;
  }
}

/** Writes all of `parts` at `position`, however many calls that takes. */
async function writeFully(file: SegmentFile, parts: Buffer[], position: number, total: number): Promise<void> {
  let written = await file.writev(parts, position);
  if (written >= total) return;
  const rest = Buffer.concat(parts);
  while (written < total) {
    const bytes = await file.writev([rest.subarray(written)], position + written);
    if (bytes <= 0) throw Object.assign(new Error('short write'), { code: 'EIO' });
    written += bytes;
  }
}
