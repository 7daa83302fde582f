import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';

const gunzipAsync = promisify(gunzip);

export type BodyOutcome = { ok: true; bytes: Buffer } | { ok: false; status: 413 | 415 | 400; message: string };

/**
 * Undoes Content-Encoding on zlib's thread pool, stopping at `maxBytes` of
 * output so a gzip bomb costs at most that much memory before it is refused.
 */
export async function decodedBody(raw: Buffer, encoding: string | undefined, maxBytes: number): Promise<BodyOutcome> {
  const name = (encoding ?? 'identity').trim().toLowerCase();
  if (name === 'identity' || name === '') return { ok: true, bytes: raw };
  if (name !== 'gzip' && name !== 'x-gzip') return { ok: false, status: 415, message: `Content-Encoding ${name} is not supported (gzip or none)` };
  try {
    return { ok: true, bytes: await gunzipAsync(raw, { maxOutputLength: maxBytes }) };
  } catch (err) {
    if (err instanceof RangeError || (err instanceof Error && 'code' in err && err.code === 'ERR_BUFFER_TOO_LARGE')) {
      return { ok: false, status: 413, message: `the body inflates past ${maxBytes} bytes (sources.http.maxDecompressedBytes)` };
    }
    return { ok: false, status: 400, message: `the gzip body is corrupt: ${err instanceof Error ? err.message : String(err)}` };
  }
}

/** Bytes that start with the gzip magic number (Firehose records may carry gzip without saying so). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** Splits NDJSON into its non-blank lines, without copying them. */
export function ndjsonLines(bytes: Buffer): Buffer[] {
  const lines: Buffer[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    const line = bytes.subarray(start, end);
    if (line.some((byte) => byte !== 0x20 && byte !== 0x09 && byte !== 0x0d)) lines.push(line);
    start = end + 1;
  }
  return lines;
}
