import { Buffer } from 'node:buffer';
import type { Batch } from './types.ts';

const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

function startOf(batch: Batch, row: number): number {
  return row === 0 ? (batch.framing === 'json-array' ? 1 : 0) : (batch.ends[row - 1] ?? 0);
}

/** The serialized JSON of one row, without separator or brackets. */
export function rowJson(batch: Batch, row: number): Buffer {
  return batch.body.subarray(startOf(batch, row), (batch.ends[row] ?? 0) - 1);
}

/** Rows [from, to) as a batch of their own, in the same framing. */
export function sliceBatch(batch: Batch, from: number, to: number): Batch {
  const start = startOf(batch, from);
  const end = batch.ends[to - 1] ?? start;
  const prefix = batch.framing === 'json-array' ? 1 : 0;
  const body = Buffer.allocUnsafe(prefix + end - start);
  if (prefix) body[0] = OPEN_BRACKET;
  batch.body.copy(body, prefix, start, end);
  // The last row's separator becomes the closing bracket.
  if (prefix) body[body.length - 1] = CLOSE_BRACKET;
  const ends = new Uint32Array(to - from);
  const shift = start - prefix;
  for (let i = from; i < to; i++) ends[i - from] = (batch.ends[i] ?? 0) - shift;
  return { stream: batch.stream, body, rows: to - from, framing: batch.framing, ends, createdAt: batch.createdAt };
}

/** Two halves of a batch of two rows or more. */
export function halves(batch: Batch): [Batch, Batch] {
  const middle = Math.ceil(batch.rows / 2);
  return [sliceBatch(batch, 0, middle), sliceBatch(batch, middle, batch.rows)];
}
