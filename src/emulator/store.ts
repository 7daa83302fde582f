import { appendFile, mkdir, open, readdir, rm, truncate } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/*
 * What the emulator keeps: accepted rows as NDJSON per stream, counters, and a
 * bounded log of recent requests. Everything here is bounded or on disk.
 */

export interface StreamStats {
  requests: number;
  byStatus: Record<string, number>;
  rowsAccepted: number;
  /** Body bytes as received (compressed when gzip). */
  bytesRaw: number;
  /** Body bytes after decompression. */
  bytesDecoded: number;
  gzipRequests: number;
  truncatedFields: number;
  replacedTimeGenerated: number;
  droppedColumns: number;
}

export interface DcrStats {
  requests: number;
  byStatus: Record<string, number>;
  streams: Record<string, StreamStats>;
}

export interface EmulatorStats {
  startedAt: string;
  /** Every request the HTTPS and managed-identity listeners answered (or reset). */
  requests: number;
  byStatus: Record<string, number>;
  tokensIssued: number;
  /** Per DCR the emulator serves; requests to unknown DCRs count only at the top. */
  dcrs: Record<string, DcrStats>;
}

export type RequestKind = 'ingestion' | 'token' | 'openid-configuration' | 'keys' | 'managed-identity' | 'inspection' | 'other';

export interface RecordedRequest {
  time: string;
  kind: RequestKind;
  method: string;
  path: string;
  /** Decoded query parameters (api%2Dversion shows as api-version). */
  query: Record<string, string>;
  /** Request headers, lower-case; authorization is redacted to its scheme, x-identity-header to "(redacted)". */
  headers: Record<string, string>;
  /** 0 when the connection was reset by a fault. */
  status: number;
  errorCode?: string;
  clientId?: string;
  dcr?: string;
  stream?: string;
  /** Body bytes as received. */
  bytesRaw: number;
  /** Body bytes after decompression (0 when not decoded). */
  bytesDecoded: number;
  rows?: number;
  /** The fault that decided the answer. */
  fault?: string;
}

const emptyStreamStats = (): StreamStats => ({
  requests: 0,
  byStatus: {},
  rowsAccepted: 0,
  bytesRaw: 0,
  bytesDecoded: 0,
  gzipRequests: 0,
  truncatedFields: 0,
  replacedTimeGenerated: 0,
  droppedColumns: 0,
});

const bump = (counts: Record<string, number>, key: string) => {
  counts[key] = (counts[key] ?? 0) + 1;
};

export interface IngestionOutcome {
  dcr?: string;
  /** Only for a stream the DCR declares. */
  stream?: string;
  status: number;
  bytesRaw: number;
  bytesDecoded: number;
  gzip: boolean;
  rowsAccepted: number;
  truncatedFields: number;
  replacedTimeGenerated: number;
  droppedColumns: number;
}

export class Stats {
  readonly #dcrStreams: ReadonlyMap<string, readonly string[]>;
  #stats: EmulatorStats;
  tokensIssued: () => number;

  constructor(dcrStreams: ReadonlyMap<string, readonly string[]>, tokensIssued: () => number) {
    this.#dcrStreams = dcrStreams;
    this.tokensIssued = tokensIssued;
    this.#stats = this.#empty();
  }

  #empty(): EmulatorStats {
    const dcrs: Record<string, DcrStats> = {};
    for (const [id, streams] of this.#dcrStreams) {
      dcrs[id] = { requests: 0, byStatus: {}, streams: Object.fromEntries(streams.map((stream) => [stream, emptyStreamStats()])) };
    }
    return { startedAt: new Date().toISOString(), requests: 0, byStatus: {}, tokensIssued: 0, dcrs };
  }

  request(status: number): void {
    this.#stats.requests++;
    bump(this.#stats.byStatus, String(status));
  }

  ingestion(outcome: IngestionOutcome): void {
    if (outcome.dcr === undefined) return;
    const dcr = this.#stats.dcrs[outcome.dcr];
    if (dcr === undefined) return;
    dcr.requests++;
    bump(dcr.byStatus, String(outcome.status));
    if (outcome.stream === undefined) return;
    const stream = dcr.streams[outcome.stream];
    if (stream === undefined) return;
    stream.requests++;
    bump(stream.byStatus, String(outcome.status));
    stream.rowsAccepted += outcome.rowsAccepted;
    stream.bytesRaw += outcome.bytesRaw;
    stream.bytesDecoded += outcome.bytesDecoded;
    if (outcome.gzip) stream.gzipRequests++;
    stream.truncatedFields += outcome.truncatedFields;
    stream.replacedTimeGenerated += outcome.replacedTimeGenerated;
    stream.droppedColumns += outcome.droppedColumns;
  }

  snapshot(): EmulatorStats {
    return { ...structuredClone(this.#stats), tokensIssued: this.tokensIssued() };
  }

  reset(): void {
    this.#stats = this.#empty();
  }
}

/** The most recent requests, at most `capacity`. */
export class RequestLog {
  readonly #capacity: number;
  #entries: RecordedRequest[] = [];

  constructor(capacity: number) {
    this.#capacity = capacity;
  }

  add(entry: RecordedRequest): void {
    if (this.#capacity === 0) return;
    if (this.#entries.length >= this.#capacity) this.#entries.shift();
    this.#entries.push(entry);
  }

  list(): RecordedRequest[] {
    return structuredClone(this.#entries);
  }

  reset(): void {
    this.#entries = [];
  }
}

/** Stream names become file names; only these characters are allowed. */
export const SAFE_STREAM_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*$/;

/** Accepted rows, appended as NDJSON to <directory>/<stream>.ndjson, in the order calls were accepted. */
export class RowStore {
  readonly #directory: string;
  readonly #tails = new Map<string, Promise<void>>();

  constructor(directory: string) {
    this.#directory = directory;
  }

  async open(): Promise<void> {
    await mkdir(this.#directory, { recursive: true });
    for (const name of await readdir(this.#directory)) {
      if (name.endsWith('.ndjson')) await cutTornTail(join(this.#directory, name));
    }
  }

  file(stream: string): string {
    return join(this.#directory, `${stream}.ndjson`);
  }

  /** Resolves once the rows are on disk (the 204 waits for it). Appends to one stream run one after another. */
  append(stream: string, rows: ReadonlyArray<Record<string, unknown>>): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    const text = rows.map((row) => JSON.stringify(row)).join('\n') + '\n';
    const previous = this.#tails.get(stream) ?? Promise.resolve();
    const next = previous.then(() => appendFile(this.file(stream), text));
    const tail = next.catch(() => {});
    this.#tails.set(stream, tail);
    void tail.then(() => {
      if (this.#tails.get(stream) === tail) this.#tails.delete(stream);
    });
    return next;
  }

  rows(stream: string): Array<Record<string, unknown>> {
    let text: string;
    try {
      text = readFileSync(this.file(stream), 'utf8');
    } catch {
      return [];
    }
    // A row being appended right now has no newline yet: only complete lines count.
    return text
      .slice(0, text.lastIndexOf('\n') + 1)
      .split('\n')
      .filter((line) => line.length > 0)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }

  /** Waits for pending appends. */
  async settle(): Promise<void> {
    await Promise.all(this.#tails.values());
  }

  async clear(streams: Iterable<string>): Promise<void> {
    await this.settle();
    await Promise.all([...streams].map((stream) => rm(this.file(stream), { force: true })));
  }
}

/**
 * A process killed in the middle of an append leaves a row without its
 * newline; the next append would be glued to it and both lines lost. The
 * rows before it are whole: cut the file after the last newline.
 */
async function cutTornTail(file: string): Promise<void> {
  const handle = await open(file, 'r');
  let keep = 0;
  try {
    const { size } = await handle.stat();
    const chunk = Buffer.alloc(64 * 1024);
    for (let end = size; end > 0; end -= chunk.length) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const newline = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (newline !== -1) {
        keep = start + newline + 1;
        break;
      }
    }
    if (keep === size) return;
  } finally {
    await handle.close();
  }
  await truncate(file, keep);
}
