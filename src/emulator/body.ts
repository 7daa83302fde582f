import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/*
 * Request bodies with hard caps: reading keeps at most `limit + 1` bytes (the
 * rest is counted and discarded), and gzip inflation stops as soon as the output
 * passes the limit, so neither a huge upload nor a gzip bomb can grow memory.
 */

export interface RawBody {
  /** The body, or its first limit + 1 bytes when it is larger. */
  bytes: Buffer;
  /** Total length: the Content-Length when the body was not read, else the bytes received. */
  length: number;
  tooLarge: boolean;
}

/** A body far beyond any limit is not even drained: the connection is closed after the answer. */
const DRAIN_LIMIT = 64 * 1024 * 1024;

export function readBody(stream: Readable, declaredLength: number | undefined, limit: number): Promise<RawBody> {
  if (declaredLength !== undefined && declaredLength > limit) {
    // Known from the header: answer without reading (Node discards the rest or closes the connection).
    stream.resume();
    return Promise.resolve({ bytes: Buffer.alloc(0), length: declaredLength, tooLarge: true });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let kept = 0;
    let length = 0;
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (kept <= limit) {
        chunks.push(chunk);
        kept += chunk.length;
      }
      if (length > DRAIN_LIMIT) {
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.off('error', onError);
        resolve({ bytes: Buffer.alloc(0), length, tooLarge: true });
      }
    };
    const onEnd = () => {
      const bytes = Buffer.concat(chunks);
      resolve({ bytes: length > limit ? Buffer.alloc(0) : bytes, length, tooLarge: length > limit });
    };
    const onError = (err: Error) => reject(err);
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}

export type Inflated = { ok: true; bytes: Buffer } | { ok: false; reason: 'too_large'; inflatedBytes: number } | { ok: false; reason: 'corrupt'; message: string };

/** Gunzips `input`, stopping (and reporting too_large) as soon as the output passes `limit` bytes. */
export function gunzipCapped(input: Buffer, limit: number): Promise<Inflated> {
  return new Promise((resolve) => {
    const gunzip = createGunzip();
    const chunks: Buffer[] = [];
    let total = 0;
    let settled = false;
    const settle = (result: Inflated) => {
      if (settled) return;
      settled = true;
      resolve(result);
    };
    gunzip.on('data', (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        settle({ ok: false, reason: 'too_large', inflatedBytes: total });
        gunzip.destroy();
        return;
      }
      chunks.push(chunk);
    });
    gunzip.once('end', () => settle({ ok: true, bytes: Buffer.concat(chunks) }));
    gunzip.once('error', (err: Error) => settle({ ok: false, reason: 'corrupt', message: err.message }));
    gunzip.end(input);
  });
}
