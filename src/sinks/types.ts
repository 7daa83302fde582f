import type { RowFraming } from '../pipeline/task.ts';

export interface Batch {
  stream: string;
  /** A complete body in the sink's framing: NDJSON lines, or one JSON array. */
  body: Buffer;
  rows: number;
}

/** What a sink says about one attempt; a separate policy (Delivery) acts on it. */
export type SinkVerdict =
  | { kind: 'ok' }
  | { kind: 'retry'; reason: string; afterMs?: number }
  | { kind: 'split'; reason: string }
  | { kind: 'reject'; reason: string };

export interface Sink {
  readonly name: string;
  readonly framing: RowFraming;
  /** Checks the destination is usable; throws ASIMD_SINK_UNAVAILABLE otherwise. */
  start(): Promise<void>;
  /** True while the sink accepts batches (for /readyz). */
  ready(): boolean;
  send(batch: Batch): Promise<SinkVerdict>;
  close(): Promise<void>;
}
