import { endianness } from 'node:os';
import { crc32 } from 'node:zlib';
import type { Batch } from '../../sinks/types.ts';

/**
 * The on-disk format of a journal segment, `<dir>/<16-digit sequence>.seg`:
 *
 *   segment := MAGIC record*
 *   record  := u32 payloadLength | u32 checksum | u8 type | payload      (little-endian)
 *   BATCH payload := u64 id | f64 createdAt | u32 rows | u8 framing | u16 streamLength | stream (UTF-8)
 *                    | u32 endsCount | u32 bodyLength | endsCount × u32 | body
 *   ACK payload   := u64 id
 *
 * The checksum is zlib's CRC-32 (IEEE), native since Node 20.15; bench/journal.ts
 * compares it with a table-driven CRC-32C in JavaScript. In format 2 (MAGIC
 * ASIMDJ02) a BATCH record's checksum is crc32(type ‖ payload before the body)
 * continued from crc32(body), so a worker can checksum the body when it seals
 * the batch and the main thread only covers the few bytes around it; ACK
 * records, and every record of format 1 (ASIMDJ01, still read), are
 * crc32(type ‖ payload).
 */
export const MAGIC = Buffer.from('ASIMDJ02', 'latin1');
const MAGIC_V1 = Buffer.from('ASIMDJ01', 'latin1');

/** The format of a segment from its first bytes: 2, 1, or undefined when it is not a segment (or is torn there). */
export function formatOf(data: Buffer): 1 | 2 | undefined {
  if (data.length < MAGIC.length) return undefined;
  const head = data.subarray(0, MAGIC.length);
  return head.equals(MAGIC) ? 2 : head.equals(MAGIC_V1) ? 1 : undefined;
}
export const RECORD_HEADER = 9;
export const TYPE_BATCH = 1;
export const TYPE_ACK = 2;
const BATCH_FIXED = 8 + 8 + 4 + 1 + 2 + 4 + 4;
const ACK_PAYLOAD = 8;
const LITTLE_ENDIAN = endianness() === 'LE';
const FRAMINGS = ['ndjson', 'json-array'] as const;

export const SEGMENT_NAME = /^(\d{16})\.seg$/;
export const segmentName = (sequence: number): string => `${String(sequence).padStart(16, '0')}.seg`;

/** One record as buffers to hand to writev (the body is not copied), and its size on disk. */
export interface EncodedRecord {
  parts: Buffer[];
  size: number;
}

function u32Bytes(values: Uint32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const out = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) out.writeUInt32LE(values[i] ?? 0, i * 4);
  return out;
}

export function encodeBatch(id: number, batch: Batch): EncodedRecord {
  const stream = Buffer.from(batch.stream, 'utf8');
  const head = Buffer.allocUnsafe(RECORD_HEADER + BATCH_FIXED + stream.length);
  const ends = u32Bytes(batch.ends);
  const payloadLength = BATCH_FIXED + stream.length + ends.length + batch.body.length;
  head.writeUInt32LE(payloadLength, 0);
  head[8] = TYPE_BATCH;
  let at = RECORD_HEADER;
  head.writeBigUInt64LE(BigInt(id), at);
  head.writeDoubleLE(batch.createdAt, (at += 8));
  head.writeUInt32LE(batch.rows, (at += 8));
  head[(at += 4)] = batch.framing === 'json-array' ? 1 : 0;
  head.writeUInt16LE(stream.length, (at += 1));
  stream.copy(head, (at += 2));
  head.writeUInt32LE(batch.ends.length, (at += stream.length));
  head.writeUInt32LE(batch.body.length, (at += 4));
  // An empty part is skipped: zlib.crc32 answers 0 for a zero-length view of an
  // empty ArrayBuffer (zlib's crc32(crc, NULL, 0) returns its initial value).
  const bodyCrc = batch.bodyCrc ?? (batch.body.length > 0 ? crc32(batch.body) : 0);
  let crc = crc32(head.subarray(8), bodyCrc);
  if (ends.length > 0) crc = crc32(ends, crc);
  head.writeUInt32LE(crc, 4);
  return { parts: [head, ends, batch.body], size: RECORD_HEADER + payloadLength };
}

export function encodeAck(id: number): Buffer {
  const record = Buffer.allocUnsafe(RECORD_HEADER + ACK_PAYLOAD);
  record.writeUInt32LE(ACK_PAYLOAD, 0);
  record[8] = TYPE_ACK;
  record.writeBigUInt64LE(BigInt(id), RECORD_HEADER);
  record.writeUInt32LE(crc32(record.subarray(8)), 4);
  return record;
}

export type Decoded =
  | { kind: 'batch'; id: number; batch: Batch; size: number }
  | { kind: 'ack'; id: number; size: number }
  /** `torn`: the record runs past the end of the data (an interrupted write). */
  | { kind: 'bad'; torn: boolean };

/** Validates and decodes the record at `offset` of a segment in `format`. The batch's body is a view into `data`. */
export function decodeRecord(data: Buffer, offset: number, format: 1 | 2 = 2): Decoded {
  const left = data.length - offset;
  if (left < RECORD_HEADER) return { kind: 'bad', torn: true };
  const payloadLength = data.readUInt32LE(offset);
  if (payloadLength > left - RECORD_HEADER) return { kind: 'bad', torn: true };
  const end = offset + RECORD_HEADER + payloadLength;
  if (checksumOf(data, offset, end, format) !== data.readUInt32LE(offset + 4)) return { kind: 'bad', torn: end === data.length };
  const type = data[offset + 8];
  const size = RECORD_HEADER + payloadLength;
  let at = offset + RECORD_HEADER;
  if (type === TYPE_ACK && payloadLength === ACK_PAYLOAD) return { kind: 'ack', id: Number(data.readBigUInt64LE(at)), size };
  if (type !== TYPE_BATCH || payloadLength < BATCH_FIXED) return { kind: 'bad', torn: false };
  const id = Number(data.readBigUInt64LE(at));
  const createdAt = data.readDoubleLE((at += 8));
  const rows = data.readUInt32LE((at += 8));
  const framing = FRAMINGS[data[(at += 4)] ?? 255];
  const streamLength = data.readUInt16LE((at += 1));
  at += 2;
  if (framing === undefined || at + streamLength + 8 > end) return { kind: 'bad', torn: false };
  const stream = data.toString('utf8', at, (at += streamLength));
  const endsCount = data.readUInt32LE(at);
  const bodyLength = data.readUInt32LE((at += 4));
  at += 4;
  if (at + endsCount * 4 + bodyLength !== end) return { kind: 'bad', torn: false };
  const ends = new Uint32Array(endsCount);
  if (LITTLE_ENDIAN) new Uint8Array(ends.buffer).set(data.subarray(at, at + endsCount * 4));
  else for (let i = 0; i < endsCount; i++) ends[i] = data.readUInt32LE(at + i * 4);
  at += endsCount * 4;
  const body = data.subarray(at, end);
  return { kind: 'batch', id, batch: { stream, body, rows, framing, ends, createdAt }, size };
}

/** The checksum a record at [offset, end) should carry (see the format note above). */
function checksumOf(data: Buffer, offset: number, end: number, format: 1 | 2): number {
  const covered = data.subarray(offset + 8, end);
  if (format === 1 || data[offset + 8] !== TYPE_BATCH || end - offset - RECORD_HEADER < BATCH_FIXED) return crc32(covered);
  // The body is the payload's last bodyLength bytes; its length field sits after the stream name.
  const streamLength = data.readUInt16LE(offset + RECORD_HEADER + 8 + 8 + 4 + 1);
  const lengthsAt = offset + RECORD_HEADER + BATCH_FIXED - 8 + streamLength;
  if (lengthsAt + 8 > end) return crc32(covered);
  const bodyLength = data.readUInt32LE(lengthsAt + 4);
  if (bodyLength > end - lengthsAt - 8) return crc32(covered);
  const bodyStart = end - bodyLength;
  return crc32(data.subarray(offset + 8, bodyStart), bodyLength > 0 ? crc32(data.subarray(bodyStart, end)) : 0);
}

/**
 * After a bad record, walks what follows by its length fields without trusting
 * the checksums, to name the batches that were lost (a best-effort count: a
 * corrupt length field ends the walk).
 */
export function unverifiedBatchIds(data: Buffer, offset: number): { ids: number[]; unnamed: number } {
  const ids: number[] = [];
  let unnamed = 0;
  for (let first = true; data.length - offset >= RECORD_HEADER; first = false) {
    const payloadLength = data.readUInt32LE(offset);
    const type = data[offset + 8];
    // The first record is the bad one: it counts as a batch even when its type byte is what broke.
    if (type !== TYPE_BATCH && type !== TYPE_ACK && !first) break;
    if (type !== TYPE_ACK) {
      if (data.length - offset >= RECORD_HEADER + 8) ids.push(Number(data.readBigUInt64LE(offset + RECORD_HEADER)));
      else unnamed++;
    }
    offset += RECORD_HEADER + payloadLength;
  }
  return { ids, unnamed };
}
