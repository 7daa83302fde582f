import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { crc32, gzipSync } from 'node:zlib';
import { Piscina } from 'piscina';
import { cefStart, parseCefAt, type CefEvent } from '../../parsers/cef/index.ts';
import { cloudTrailRecordsOf, normalizeCloudTrail, parseJsonSafely } from '../../parsers/aws-cloudtrail/index.ts';
import { gcpLogEntriesOf, normalizeGcpAuditEntry } from '../../parsers/gcp-audit/index.ts';
import { toAuthenticationRow } from '../../parsers/linux-auth/index.ts';
import { createParser, decodeFrame, type SyslogParser } from '../../parsers/syslog/index.ts';
import { commonSecurityLogJson } from '../../parsers/tables/common-security-log.ts';
import { toSyslogRow } from '../../parsers/tables/syslog.ts';
import { MAX_DEAD_LETTER_DOCUMENT } from './dead-letter.ts';
import { ROW_ID_COLUMN, rowIdentity } from './row-identity.ts';
import { WORKER_KEEPER_BYTES, MemoryKeeper } from './memory-keeper.ts';
import { movable } from './task-builder.ts';
import { FRAME_TRUNCATED, type DocumentOutcome, type FrameTask, type SealResult, type SealTask, type StreamRows, type TaskCounts, type TaskResult, type WorkerOptions, type WorkerPolicy } from './task.ts';

/*
 * Runs in the piscina pool: parse → normalize → serialize for a whole batch of
 * frames, returning bytes per output stream. Nothing here touches the network
 * or the disk.
 */

const options = Piscina.workerData as WorkerOptions;

const ROW_ID_PREFIX = Buffer.from(`,"${ROW_ID_COLUMN}":"`, 'latin1');
const QUOTE = 0x22;
const CLOSE_BRACE = 0x7d;

/** Bytes before a slab's rows: an Int32 the main thread clears once it has copied them (SLAB_FREE). */
const SLAB_HEADER = 8;
const SLAB_FREE = 0;
const SLAB_BUSY = 1;
/** Slabs kept per stream: enough for this thread's tasks in flight and results waiting to be applied in order. */
const MAX_SLABS = 3;

/**
 * Shared memory that one task's rows of one stream are written into and that
 * the main thread reads them from, without a copy on either side. A slab is
 * reused once the main thread marks it free: neither thread allocates per
 * task, and shared memory does not count as external memory on the main
 * thread, where transferred results did and set off most of its full GCs.
 */
class Slab {
  readonly bytes: Buffer;
  readonly state: Int32Array;

  constructor(size: number) {
    const memory = new SharedArrayBuffer(SLAB_HEADER + size);
    this.state = new Int32Array(memory, 0, 1);
    this.bytes = Buffer.from(memory, SLAB_HEADER, size);
  }

  get free(): boolean {
    return Atomics.load(this.state, 0) === SLAB_FREE;
  }
}

/**
 * One stream's serialized rows for the task at hand, with the end offset of
 * each row. One per stream per worker thread; the rows go into a free slab,
 * so what a task returns is a view of shared memory sized for its rows.
 */
class RowWriter {
  private readonly slabs: Slab[] = [];
  private slab: Slab | undefined;
  private ends: Uint32Array;
  private times: Float64Array;
  private length = 0;
  private rows = 0;

  constructor(
    private readonly stream: string,
    private readonly separator: number,
  ) {
    this.ends = new Uint32Array(1024);
    this.times = new Float64Array(this.ends.length);
  }

  /** `json` is a row object; the row's identity is spliced in before its closing brace. */
  write(json: string, time: number, rowId: string): void {
    // Worst case three bytes per UTF-16 unit, plus the identity and the separator.
    const worst = json.length * 3 + ROW_ID_PREFIX.length + rowId.length + 3;
    const slab = this.slab ?? this.acquire(worst);
    let bytes = slab.bytes;
    if (this.length + worst > bytes.length) bytes = this.grow(this.length + worst).bytes;
    this.length += bytes.write(json, this.length, 'utf8') - 1;
    this.length += ROW_ID_PREFIX.copy(bytes, this.length);
    this.length += bytes.write(rowId, this.length, 'latin1');
    bytes[this.length++] = QUOTE;
    bytes[this.length++] = CLOSE_BRACE;
    bytes[this.length++] = this.separator;
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

  get empty(): boolean {
    return this.rows === 0;
  }

  /** Drops what an earlier task left (only if it failed before finish()). */
  reset(): void {
    if (this.slab) Atomics.store(this.slab.state, 0, SLAB_FREE);
    this.slab = undefined;
    this.length = 0;
    this.rows = 0;
  }

  /** A free slab of at least `size` bytes, marked busy; a new one when every slab is still being read. */
  private acquire(size: number): Slab {
    let slab = this.slabs.find((candidate) => candidate.free && candidate.bytes.length >= size);
    if (!slab) {
      const largest = this.slabs.reduce((most, candidate) => Math.max(most, candidate.bytes.length), 256 * 1024);
      slab = new Slab(Math.max(size, largest));
      this.keep(slab);
    }
    Atomics.store(slab.state, 0, SLAB_BUSY);
    this.slab = slab;
    return slab;
  }

  /** Keeps a slab for reuse, replacing the smallest free one when there are enough already. */
  private keep(slab: Slab): void {
    if (this.slabs.length >= MAX_SLABS) {
      const smallest = this.slabs.filter((candidate) => candidate.free).sort((a, b) => a.bytes.length - b.bytes.length)[0];
      // All busy: this one is used once and left to GC.
      if (!smallest) return;
      this.slabs.splice(this.slabs.indexOf(smallest), 1);
    }
    this.slabs.push(slab);
  }

  private grow(atLeast: number): Slab {
    const current = this.slab as Slab;
    // By half again, not double: a slab is sized for one task's rows, and the pool keeps MAX_SLABS of them per stream.
    const next = new Slab(Math.max(atLeast, Math.ceil((current.bytes.length * 1.5) / 65536) * 65536));
    current.bytes.copy(next.bytes, 0, 0, this.length);
    Atomics.store(current.state, 0, SLAB_FREE);
    Atomics.store(next.state, 0, SLAB_BUSY);
    this.keep(next);
    this.slab = next;
    return next;
  }

  /** The task's rows, as a view of the slab; the writer starts empty for the next task. */
  finish(): StreamRows {
    const slab = this.slab as Slab;
    const rows: StreamRows = {
      stream: this.stream,
      data: slab.bytes.subarray(0, this.length),
      release: slab.state,
      ends: this.ends.slice(0, this.rows),
      times: this.times.slice(0, this.rows),
      rows: this.rows,
    };
    this.slab = undefined;
    this.length = 0;
    this.rows = 0;
    return rows;
  }
}

function increment(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

class MovableResult {
  constructor(private readonly result: TaskResult) {}
  get [Piscina.transferableSymbol](): ArrayBufferLike[] {
    const buffers: ArrayBufferLike[] = this.result.outputs.flatMap((output) => [output.ends.buffer, output.times.buffer]);
    return movable(buffers);
  }
  get [Piscina.valueSymbol](): TaskResult {
    return this.result;
  }
}

/** A source's policy as the worker applies it: lookups precomputed once. */
interface PreparedPolicy {
  parse: SyslogParser;
  outputs: WorkerPolicy['outputs'];
  /** Facility code → kept; undefined when every facility is kept. */
  facilities: Uint8Array | undefined;
  minimumSeverity: number;
}

const policies = new Map<string, PreparedPolicy>(
  Object.entries(options.policies).map(([source, policy]) => {
    let facilities: Uint8Array | undefined;
    if (policy.facilities.length > 0) {
      facilities = new Uint8Array(24);
      for (const code of policy.facilities) facilities[code] = 1;
    }
    return [source, { parse: createParser({ timeZone: policy.timeZone }), outputs: policy.outputs, facilities, minimumSeverity: policy.minimumSeverity }];
  }),
);

/** This thread's writers, one per output stream, created on first use. */
const writers = new Map<string, RowWriter>();

/** The rows of one task: the writers it wrote to. */
class TaskOutputs {
  private readonly used: RowWriter[] = [];

  constructor() {
    for (const writer of writers.values()) writer.reset();
  }

  writer(stream: string): RowWriter {
    let writer = writers.get(stream);
    if (!writer) {
      writer = new RowWriter(stream, options.rowSeparator);
      writers.set(stream, writer);
    }
    if (writer.empty && !this.used.includes(writer)) this.used.push(writer);
    return writer;
  }

  finish(): StreamRows[] {
    return this.used.map((writer) => writer.finish());
  }
}

const memoryKeeper = new MemoryKeeper(WORKER_KEEPER_BYTES);

export default function processTask(task: FrameTask | SealTask): unknown {
  // gzip's output buffers are this thread's dead ArrayBuffers.
  memoryKeeper.check();
  if ('kind' in task) return seal(task);
  if (task.report) return processDocuments(task);
  return processFrames(task);
}

/**
 * zlib's largest hash table and match buffer (memLevel 9: 128 KiB more per
 * deflate stream than the default 8). Level 1 on 1 MiB of Syslog rows was
 * 3–8 % faster on Node 20 and 24 at the same compressed size.
 */
const GZIP_MEM_LEVEL = 9;

/**
 * zlib's output in an ArrayBuffer of its own size. gzipSync returns a view of
 * its chunkSize output buffer, and the whole buffer travels to the main thread
 * and stays there until the batch is delivered: at least 64 KiB for a batch of
 * one row, about 100 KiB unused beside a full batch's 150 KiB. (The copy is a
 * FastBuffer of its own, never from Node's pool, so it can be transferred.)
 */
function exactly(output: Buffer): Uint8Array {
  if (output.buffer.byteLength - output.byteLength <= EXACT_SLACK_BYTES) return new Uint8Array(output.buffer, output.byteOffset, output.byteLength);
  return Uint8Array.prototype.slice.call(output);
}

/** What a gzip result may leave unused in its ArrayBuffer before it is copied into one of its size. */
const EXACT_SLACK_BYTES = 16 * 1024;

/** CRC-32 and gzip of a batch body, here rather than on the main thread (DESIGN.md §1 rule 4). */
function seal(task: SealTask): unknown {
  const body = task.body;
  const gzip = task.gzipLevel === undefined ? undefined : exactly(gzipSync(body, { level: task.gzipLevel, memLevel: GZIP_MEM_LEVEL, chunkSize: Math.max(64 * 1024, body.length >>> 2) }));
  // A gzip member ends with the CRC-32 of what it holds (RFC 1952 §2.3.1), the same CRC the journal keeps: not computed twice.
  const crc = gzip === undefined ? crc32(body) : new DataView(gzip.buffer, gzip.byteOffset, gzip.byteLength).getUint32(gzip.byteLength - 8, true);
  const result: SealResult = { body, crc, gzip };
  return Piscina.move({
    get [Piscina.transferableSymbol](): ArrayBufferLike[] {
      return movable(gzip ? [body.buffer, gzip.buffer] : [body.buffer]);
    },
    get [Piscina.valueSymbol](): SealResult {
      return result;
    },
  } as unknown as Parameters<typeof Piscina.move>[0]);
}

function processFrames(task: FrameTask): unknown {
  const startedAt = performance.now();
  const bytes = Buffer.from(task.data.buffer, task.data.byteOffset, task.data.byteLength);
  const outputs = new TaskOutputs();
  const { streams } = options;
  const policy = policies.get(task.source);
  if (policy === undefined) throw new Error(`no policy for source ${task.source}`);
  const counts: TaskCounts = { formats: {}, problems: {}, filtered: {}, invalidUtf8: 0, cef: 0, authentication: 0 };
  let start = 0;
  for (let i = 0; i < task.count; i++) {
    const end = task.ends[i] ?? start;
    const { text, invalid } = decodeFrame(bytes, start, end);
    start = end;
    const receivedAt = task.receivedAt[i] ?? Date.now();
    const message = policy.parse(text, receivedAt);
    increment(counts.formats, message.format);
    if (message.problem !== undefined) increment(counts.problems, message.problem);
    if (invalid) counts.invalidUtf8++;
    if (policy.facilities !== undefined && policy.facilities[message.facility] !== 1) {
      increment(counts.filtered, 'facility');
      continue;
    }
    if (message.severity > policy.minimumSeverity) {
      increment(counts.filtered, 'severity');
      continue;
    }
    const hostIp = task.peers[task.peerIndex[i] ?? 0] ?? '';
    // The same line from the same address is the same event, however often it is delivered.
    const rowId = rowIdentity(`${hostIp} ${text}`);
    const cef = policy.outputs.commonSecurityLog ? findCef(text) : undefined;
    if (cef !== undefined) {
      counts.cef++;
      const row = commonSecurityLogJson(cef, {
        receivedAt,
        hostIp,
        syslog: { timestamp: message.timestamp, hostname: message.hostname, facility: message.facility, severity: message.severity },
      });
      outputs.writer(streams.commonSecurityLog).write(row.json, row.time, rowId);
      if (!policy.outputs.cefToSyslog) continue;
    }
    const needSyslog = policy.outputs.syslog;
    const needAuthentication = policy.outputs.asimAuthentication && cef === undefined;
    if (!needSyslog && !needAuthentication) continue;
    const row = toSyslogRow(message, {
      hostIp,
      receivedAt,
      truncated: ((task.flags[i] ?? 0) & FRAME_TRUNCATED) !== 0,
      invalidUtf8: invalid,
    });
    if (needSyslog) outputs.writer(streams.syslog).write(JSON.stringify(row), message.timestamp ?? receivedAt, rowId);
    if (needAuthentication) {
      const outcome = toAuthenticationRow(row);
      if (outcome.kind === 'row') {
        counts.authentication++;
        outputs.writer(streams.asimAuthentication).write(JSON.stringify(outcome.row), Date.parse(outcome.row.TimeGenerated), rowId);
      }
    }
  }
  const rows = outputs.finish();
  if (task.warmUp) {
    // Also warm the sealing path (CRC-32, gzip), then let the rows go: their slabs are free again.
    for (const output of rows) {
      seal({ kind: 'seal', body: output.data, gzipLevel: 1 });
      if (output.release) Atomics.store(output.release, 0, SLAB_FREE);
    }
    return { outputs: [], counts, busyMs: performance.now() - startedAt };
  }
  const moving = new MovableResult({ outputs: rows, counts, busyMs: performance.now() - startedAt });
  return Piscina.move(moving as unknown as Parameters<typeof Piscina.move>[0]);
}

/**
 * CEF after a syslog header, or a whole frame that is CEF: one scan of the raw
 * frame finds both (cefStart wants "CEF:" at the start or after a space, so
 * text inside a message does not count). A CEF header that does not parse
 * stays a Syslog row.
 */
function findCef(text: string): CefEvent | undefined {
  const at = cefStart(text);
  if (at === -1) return undefined;
  const event = parseCefAt(text, at);
  return event !== undefined && event.problem !== 'bad_header' ? event : undefined;
}

/**
 * HTTP sources: each frame is a JSON document (a CloudTrail file, an
 * EventBridge event, CloudWatch Logs subscription data, a LogEntry or a
 * Pub/Sub push body). Its records become rows; a bad record is returned for
 * the dead-letter store; a document that is not usable at all is reported,
 * and nothing of it is used, so the request can be answered 400.
 */
function processDocuments(task: FrameTask): unknown {
  const startedAt = performance.now();
  const bytes = Buffer.from(task.data.buffer, task.data.byteOffset, task.data.byteLength);
  const outputs = new TaskOutputs();
  const counts: TaskCounts = { formats: {}, problems: {}, filtered: {}, invalidUtf8: 0, cef: 0, authentication: 0 };
  const documents: DocumentOutcome[] = [];
  let start = 0;
  for (let i = 0; i < task.count; i++) {
    const end = task.ends[i] ?? start;
    const text = bytes.toString('utf8', start, end);
    start = end;
    const receivedAt = task.receivedAt[i] ?? Date.now();
    const parsed = parseJsonSafely(text);
    if (!parsed.ok) {
      documents.push({ records: 0, accepted: 0, skipped: 0, rejected: [], error: `not valid JSON: ${parsed.error}` });
      continue;
    }
    documents.push(task.source === 'gcp_audit' ? gcpDocument(parsed.value, receivedAt, outputs) : cloudTrailDocument(parsed.value, receivedAt, outputs, counts));
  }
  const moving = new MovableResult({ outputs: outputs.finish(), counts, documents, busyMs: performance.now() - startedAt });
  return Piscina.move(moving as unknown as Parameters<typeof Piscina.move>[0]);
}

function cloudTrailDocument(value: unknown, receivedAt: number, outputs: TaskOutputs, counts: TaskCounts): DocumentOutcome {
  const outcome: DocumentOutcome = { records: 0, accepted: 0, skipped: 0, rejected: [] };
  let records: unknown[];
  const subscription = cloudWatchLogsRecords(value);
  if (subscription !== undefined) {
    if (subscription.control) {
      outcome.skipped++;
      return outcome;
    }
    records = subscription.records;
  } else {
    const found = cloudTrailRecordsOf(value);
    if (found.invalid !== undefined) return { ...outcome, error: `not a CloudTrail document: ${found.invalid}` };
    if (found.skipped !== undefined) {
      outcome.skipped++;
      return outcome;
    }
    records = found.records;
  }
  const { streams } = options;
  for (const record of records) {
    outcome.records++;
    const result = typeof record === 'string' ? { kind: 'invalid' as const, reason: 'not_json' } : normalizeCloudTrail(record, receivedAt);
    if (result.kind === 'skip') {
      outcome.skipped++;
      continue;
    }
    if (result.kind === 'invalid') {
      outcome.rejected.push({ reason: result.reason, record: typeof record === 'string' ? record : JSON.stringify(record) });
      continue;
    }
    outcome.accepted++;
    const time = Date.parse(result.awsCloudTrail.TimeGenerated);
    // CloudTrail's eventID names the event on every path it arrives by (S3 file, EventBridge, CloudWatch Logs).
    const eventId = result.awsCloudTrail.AwsEventId;
    const rowId = rowIdentity(eventId ? `aws:${eventId}` : JSON.stringify(record));
    outputs.writer(streams.awsCloudTrail).write(JSON.stringify(result.awsCloudTrail), time, rowId);
    if (result.auditEvent) outputs.writer(streams.asimAuditEvent).write(JSON.stringify(result.auditEvent), time, rowId);
    if (result.authentication) {
      counts.authentication++;
      outputs.writer(streams.asimAuthentication).write(JSON.stringify(result.authentication), time, rowId);
    }
  }
  return outcome;
}

/**
 * CloudWatch Logs subscription data (what Firehose delivers from a log group
 * CloudTrail writes to): `logEvents[].message` are CloudTrail records, as text.
 * Undefined when the document is something else.
 */
function cloudWatchLogsRecords(value: unknown): { control: boolean; records: unknown[] } | undefined {
  if (typeof value !== 'object' || value === null || !('messageType' in value) || !('logEvents' in value)) return undefined;
  if (value.messageType === 'CONTROL_MESSAGE') return { control: true, records: [] };
  const events = Array.isArray(value.logEvents) ? (value.logEvents as unknown[]) : [];
  return {
    control: false,
    records: events.map((event) => {
      const message = typeof event === 'object' && event !== null && 'message' in event && typeof event.message === 'string' ? event.message : '';
      const parsed = parseJsonSafely(message);
      // An unparseable message stays text, and is dead-lettered as such.
      return parsed.ok ? parsed.value : message;
    }),
  };
}


function gcpDocument(value: unknown, receivedAt: number, outputs: TaskOutputs): DocumentOutcome {
  const outcome: DocumentOutcome = { records: 0, accepted: 0, skipped: 0, rejected: [] };
  const found = gcpLogEntriesOf(value);
  if (found.invalid !== undefined && found.entries.length === 0) return { ...outcome, error: `not a GCP LogEntry document: ${found.invalid}` };
  if (found.invalid !== undefined) {
    // Part of the document (say one element of an array) is unusable: keep it for inspection.
    outcome.rejected.push({ reason: found.invalid, record: JSON.stringify(value).slice(0, MAX_DEAD_LETTER_DOCUMENT) });
  }
  const { streams } = options;
  for (const entry of found.entries) {
    outcome.records++;
    const result = normalizeGcpAuditEntry(entry, receivedAt, found.subscription);
    if (result.kind === 'skip') {
      outcome.skipped++;
      continue;
    }
    if (result.kind === 'invalid') {
      outcome.rejected.push({ reason: result.reason, record: JSON.stringify(entry) });
      continue;
    }
    outcome.accepted++;
    const time = Date.parse(result.gcpAuditLogs.TimeGenerated);
    // insertId is unique within a log: Logging's own key for deduplicating entries.
    const { InsertId, LogName } = result.gcpAuditLogs;
    const rowId = rowIdentity(InsertId ? `gcp:${LogName ?? ''}:${InsertId}` : JSON.stringify(entry));
    outputs.writer(streams.gcpAuditLogs).write(JSON.stringify(result.gcpAuditLogs), time, rowId);
    if (result.auditEvent) outputs.writer(streams.asimAuditEvent).write(JSON.stringify(result.auditEvent), time, rowId);
  }
  return outcome;
}
