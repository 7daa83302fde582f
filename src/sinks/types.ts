import type { RowFraming } from '../pipeline/task.ts';

export interface Batch {
  stream: string;
  /** A complete body in the sink's framing: NDJSON lines, or one JSON array. */
  body: Buffer;
  rows: number;
  framing: RowFraming;
  /**
   * End of each row in `body`, just past the byte that follows it (the
   * separator, or the closing bracket of a JSON array). Lets a batch be split
   * or a row be picked out without parsing JSON.
   */
  ends: Uint32Array;
  /** When the batch was cut, ms since the epoch: retries stop at delivery.maxDataAgeMs. */
  createdAt: number;
  /** Set when the batch is in the on-disk journal: acknowledged there once it is delivered or given up. */
  journalId?: number;
  /** CRC-32 of `body`, computed in a worker when the batch was sealed; the journal uses it. */
  bodyCrc?: number;
  /** `body` gzip-compressed in a worker when the sink asked for it (gzipLevel); the sink sends it as is. */
  gzip?: Uint8Array;
}

/** What a sink says about one attempt; a separate policy (Delivery) acts on it. */
export type SinkVerdict =
  | { kind: 'ok' }
  | { kind: 'retry'; reason: string; afterMs?: number }
  /** Send the batch again as two halves (413, or a 400 that may come from one row). */
  | { kind: 'split'; reason: string }
  /** The destination refuses these rows for good: they go to the dead-letter store. */
  | { kind: 'reject'; reason: string; error: string };

export interface Sink {
  readonly name: string;
  readonly framing: RowFraming;
  /** When set, batches reach send() already gzip-compressed at this level (`gzip`), by a worker. */
  readonly gzipLevel?: number;
  /** Checks the destination is usable; throws ASIMD_SINK_UNAVAILABLE otherwise. */
  start(): Promise<void>;
  /** True while the sink accepts batches (for /readyz). */
  ready(): boolean;
  /** Why the sink is not ready, for /readyz and logs. */
  notReadyReason?(): string | undefined;
  /** Batches of one stream in flight at once (default 1, which keeps them in order). */
  concurrencyFor?(stream: string): number;
  send(batch: Batch): Promise<SinkVerdict>;
  close(): Promise<void>;
}
