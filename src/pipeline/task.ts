/*
 * What crosses the thread boundary. Frames travel as one byte buffer plus typed
 * arrays of per-frame metadata, all transferred, never copied; rows come back as
 * serialized bytes per output stream, ready to be concatenated into a body.
 */

/** Per-frame flag bits. */
export const FRAME_TRUNCATED = 1;

export type SourceName = 'syslog_udp' | 'syslog_tcp' | 'syslog_tls' | 'aws_cloudtrail' | 'gcp_audit';

/** Sources whose frames are JSON documents from HTTP requests, answered per request. */
export type DocumentSource = 'aws_cloudtrail' | 'gcp_audit';

export interface FrameTask {
  source: SourceName;
  /** Frames back to back; frame i spans [ends[i-1] ?? 0, ends[i]). */
  data: Uint8Array;
  ends: Uint32Array;
  flags: Uint8Array;
  receivedAt: Float64Array;
  /** Index into `peers` of each frame's sender address. */
  peerIndex: Uint16Array;
  peers: string[];
  count: number;
  /** HTTP sources: report per frame (document) what became of it, so the request can be answered. */
  report?: boolean;
  /** Parsed and serialized like any task, but its rows are dropped (see warm-up.ts). */
  warmUp?: boolean;
}

/** What became of one JSON document (a file, a Firehose record, a LogEntry). */
export interface DocumentOutcome {
  /** Records found in the document. */
  records: number;
  /** Records that became rows. */
  accepted: number;
  /** Records skipped on purpose (digest files, control messages, not an audit log), by reason. */
  skipped: number;
  /** Records refused (dead-lettered), with the reason. */
  rejected: Array<{ reason: string; record: string }>;
  /** Set when the document itself is unusable (malformed JSON, wrong shape): nothing of it was used. */
  error?: string;
}

export type RowFraming = 'ndjson' | 'json-array';

/** What a source's listener asks of the worker: parse options, outputs and filters. */
export interface WorkerPolicy {
  timeZone: string;
  outputs: { syslog: boolean; commonSecurityLog: boolean; cefToSyslog: boolean; asimAuthentication: boolean };
  /** Facility codes kept; empty: all. */
  facilities: number[];
  /** Severity codes above this (less severe) are filtered out. */
  minimumSeverity: number;
}

export interface WorkerOptions {
  streams: {
    syslog: string;
    commonSecurityLog: string;
    asimAuthentication: string;
    awsCloudTrail: string;
    gcpAuditLogs: string;
    asimAuditEvent: string;
  };
  policies: Record<'syslog_udp' | 'syslog_tcp' | 'syslog_tls', WorkerPolicy>;
  /** The byte written after every row: '\n' for NDJSON sinks, ',' for JSON-array bodies. */
  rowSeparator: number;
}

export interface StreamRows {
  stream: string;
  /** Rows back to back, each followed by the separator byte. */
  data: Uint8Array;
  /**
   * Set when `data` is a view of a worker's shared slab: store 0 into it
   * (Atomics) once the rows are copied, and the worker reuses the slab.
   */
  release?: Int32Array;
  /** End offset (after the separator) of each row. */
  ends: Uint32Array;
  /** TimeGenerated of each row, ms since the epoch: batches keep within a time span. */
  times: Float64Array;
  rows: number;
}

export interface TaskCounts {
  /** Messages by syslog format: rfc5424, rfc3164, unparsed. */
  formats: Record<string, number>;
  /** Messages that parsed with a problem, by reason code (no_pri, bad_timestamp, …). */
  problems: Record<string, number>;
  /** Messages the source's filters kept out, by reason (facility, severity). */
  filtered: Record<string, number>;
  invalidUtf8: number;
  /** CEF messages (CommonSecurityLog rows). */
  cef: number;
  /** ASIM Authentication rows. */
  authentication: number;
}

export interface TaskResult {
  outputs: StreamRows[];
  counts: TaskCounts;
  /** One per frame, for tasks with `report`. */
  documents?: DocumentOutcome[];
  /** Time the worker spent on the task, for the pool's busy-time counter. */
  busyMs: number;
}

export interface SpentTask {
  data: ArrayBufferLike;
  ends: Uint32Array;
  flags: Uint8Array;
  receivedAt: Float64Array;
  peerIndex: Uint16Array;
}

/**
 * A batch cut by a batcher, sent back to the pool to be sealed off the main
 * thread: its CRC-32 for the journal and, when the sink wants it, its gzip
 * body. The body travels both ways as a transferred ArrayBuffer.
 */
export interface SealTask {
  kind: 'seal';
  body: Uint8Array;
  gzipLevel: number | undefined;
}

export interface SealResult {
  body: Uint8Array;
  crc: number;
  gzip: Uint8Array | undefined;
}
