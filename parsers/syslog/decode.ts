/**
 * Frame bytes → text. Syslog MSG is UTF-8 (RFC 5424 §6.4) but senders put anything on the wire, so invalid
 * sequences are replaced with U+FFFD (visible in the row, WHATWG "maximal subpart" rule, as Buffer and
 * TextDecoder do) and reported, so the row can be flagged `invalid_utf8` and the worker can count it.
 *
 * Fast path: decode first, then look for U+FFFD in the result. Only a replaced sequence or a correctly
 * encoded U+FFFD (EF BF BD) puts one there, so the (native, SIMD) validator runs only in that rare case and
 * tells the two apart. An all-ASCII frame costs one decode and one indexOf that V8 answers at once for a
 * one-byte string. bench/parse.ts measures it against a JS scan for bytes >= 0x80.
 */
import { Buffer, isUtf8 } from 'node:buffer';

export interface DecodedFrame {
  /** The frame as text; invalid UTF-8 sequences replaced by U+FFFD. */
  text: string;
  /** Some bytes were not valid UTF-8 (and were replaced). */
  invalid: boolean;
}

/** Decodes bytes[start, end) as UTF-8. Pure; never throws for in-range indexes. */
export function decodeFrame(bytes: Uint8Array, start: number, end: number): DecodedFrame {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const text = buf.toString('utf8', start, end);
  const invalid = text.indexOf('\uFFFD') !== -1 && !isUtf8(buf.subarray(start, end));
  return { text, invalid };
}
