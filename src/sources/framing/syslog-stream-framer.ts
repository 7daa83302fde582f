import { Buffer } from 'node:buffer';

/** Receives one frame: bytes [start, end) of `buffer`, valid only during the call. */
export type FrameCallback = (buffer: Buffer, start: number, end: number, truncated: boolean) => void;

export type FramingMethod = 'octet_counting' | 'lf' | 'lf_fallback';

export interface FramerCounts {
  octet_counting: number;
  lf: number;
  /** Frames on an octet-counting connection that did not start with a valid count. */
  lf_fallback: number;
  truncated: number;
  /** Octet-counted frames of length 0: nothing to ship, but counted. */
  empty: number;
}

const LF = 0x0a;
const SP = 0x20;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** RFC 6587's MSG-LEN is a decimal without leading zeros; nine digits already exceed any sane maximum. */
const MAX_COUNT_DIGITS = 9;

type Mode = 'unknown' | 'octet' | 'lf';

/**
 * Splits a TCP byte stream into syslog frames, RFC 6587 octet counting
 * (`<len> <msg>`) or LF-terminated, decided by the connection's first frame.
 * Frames may be split across reads anywhere. A frame longer than maxBytes is cut
 * to maxBytes and flagged; the rest of it is skipped, never taken for a new frame.
 *
 * Outcomes for malformed counts on an octet-counting connection: a frame that
 * does not start with digits followed by a space (`abc `, `-5 `, ten or more
 * digits) is read up to the next LF instead (counted as lf_fallback); a count
 * larger than maxBytes yields a truncated frame; a count of 0 yields no frame,
 * counted as empty.
 */
export class SyslogStreamFramer {
  private mode: Mode = 'unknown';
  /** Unframed bytes carried over from earlier reads. */
  private carry: Buffer | undefined;
  /** Bytes still to skip: the tail of a truncated octet-counted frame. */
  private skipBytes = 0;
  /** Skipping to the next LF: the tail of a truncated LF frame. */
  private skipToLf = false;
  private cutShort = false;
  readonly counts: FramerCounts = { octet_counting: 0, lf: 0, lf_fallback: 0, truncated: 0, empty: 0 };

  constructor(
    private readonly maxBytes: number,
    private readonly onFrame: FrameCallback,
  ) {}

  get method(): Mode {
    return this.mode;
  }

  /** Bytes held while waiting for the rest of a frame. */
  get pendingBytes(): number {
    return this.carry?.length ?? 0;
  }

  push(chunk: Buffer): void {
    let buffer = chunk;
    let from = 0;
    const carry = this.carry;
    if (carry !== undefined) {
      this.carry = undefined;
      const lf = this.mode === 'lf' && this.skipBytes === 0 && !this.skipToLf ? chunk.indexOf(LF) : -1;
      if (lf !== -1 && carry.length + lf <= this.maxBytes) {
        // Only the end of the pending frame is joined to it (the frame and its LF, consumed whole);
        // the rest of the read is framed where it is instead of being copied behind the carry.
        this.frames(Buffer.concat([carry, chunk.subarray(0, lf + 1)]), false);
        from = lf + 1;
      } else {
        buffer = Buffer.concat([carry, chunk]);
      }
    }
    const consumed = this.frames(buffer, false, from);
    if (consumed < buffer.length) {
      // Copy, so a small leftover does not pin the socket's whole chunk.
      this.carry = Buffer.from(buffer.subarray(consumed));
    }
  }

  /**
   * The stream ended: what is left is the last frame, as far as it got. When the
   * agent cut the stream short (shutdown), an unterminated LF frame may be a
   * partial message, so it is flagged as truncated.
   */
  end(cutShort = false): void {
    const carry = this.carry;
    this.carry = undefined;
    this.cutShort = cutShort;
    if (carry !== undefined && carry.length > 0) this.frames(carry, true);
  }

  /** Emits every complete frame in `buffer` from `from` on; returns the position up to which it consumed. */
  private frames(buffer: Buffer, atEnd: boolean, from = 0): number {
    let position = from;
    const length = buffer.length;
    while (position < length) {
      if (this.skipBytes > 0) {
        const skipped = Math.min(this.skipBytes, length - position);
        this.skipBytes -= skipped;
        position += skipped;
        continue;
      }
      if (this.skipToLf) {
        const lf = buffer.indexOf(LF, position);
        if (lf === -1) return length;
        this.skipToLf = false;
        position = lf + 1;
        continue;
      }
      const first = buffer[position] as number;
      if (first === LF || first === 0x0d || first === 0x00) {
        // Blank separators between frames are not messages.
        position++;
        continue;
      }
      if (this.mode !== 'lf' && first >= DIGIT_0 && first <= DIGIT_9) {
        const next = this.octetCounted(buffer, position, atEnd);
        if (next === -1) return position;
        if (next !== -2) {
          position = next;
          continue;
        }
        // Not a count after all: read this frame up to LF.
        if (this.mode === 'unknown') this.mode = 'lf';
      } else if (this.mode === 'unknown') {
        this.mode = 'lf';
      }
      const next = this.lfTerminated(buffer, position, atEnd);
      if (next === -1) return position;
      // Counted once the frame is complete: an incomplete one is scanned again with the next read.
      if (this.mode === 'octet') this.counts.lf_fallback++;
      position = next;
    }
    return position;
  }

  /**
   * Returns the position after the frame, -1 when more bytes are needed, or -2
   * when the bytes at `start` are not a valid count.
   */
  private octetCounted(buffer: Buffer, start: number, atEnd: boolean): number {
    let count = 0;
    let cursor = start;
    while (cursor < buffer.length) {
      const byte = buffer[cursor] as number;
      if (byte < DIGIT_0 || byte > DIGIT_9) break;
      if (cursor - start === MAX_COUNT_DIGITS) return -2;
      count = count * 10 + (byte - DIGIT_0);
      cursor++;
    }
    if (cursor === buffer.length) return atEnd ? -2 : -1;
    if (buffer[cursor] !== SP) return -2;
    this.mode = 'octet';
    const bodyStart = cursor + 1;
    if (count === 0) {
      this.counts.empty++;
      return bodyStart;
    }
    const available = buffer.length - bodyStart;
    if (count > this.maxBytes) {
      if (available < this.maxBytes && !atEnd) return -1;
      const kept = Math.min(this.maxBytes, available);
      this.counts.octet_counting++;
      this.counts.truncated++;
      this.onFrame(buffer, bodyStart, bodyStart + kept, true);
      const inBuffer = Math.min(count, available);
      this.skipBytes = atEnd ? 0 : count - inBuffer;
      return bodyStart + inBuffer;
    }
    if (available < count) {
      if (!atEnd) return -1;
      // The peer closed mid-frame: ship what arrived, flagged as truncated.
      this.counts.octet_counting++;
      this.counts.truncated++;
      this.onFrame(buffer, bodyStart, buffer.length, true);
      return buffer.length;
    }
    this.counts.octet_counting++;
    this.onFrame(buffer, bodyStart, bodyStart + count, false);
    return bodyStart + count;
  }

  /** Returns the position after the frame, or -1 when more bytes are needed. */
  private lfTerminated(buffer: Buffer, start: number, atEnd: boolean): number {
    // An LF past maxBytes does not end this frame: it is cut at maxBytes below.
    const lf = buffer.indexOf(LF, start);
    if (lf !== -1 && lf - start <= this.maxBytes) {
      this.counts.lf++;
      this.onFrame(buffer, start, lf, false);
      return lf + 1;
    }
    if (buffer.length - start > this.maxBytes) {
      this.counts.lf++;
      this.counts.truncated++;
      this.onFrame(buffer, start, start + this.maxBytes, true);
      this.skipToLf = true;
      return start + this.maxBytes;
    }
    if (!atEnd) return -1;
    this.counts.lf++;
    if (this.cutShort) this.counts.truncated++;
    this.onFrame(buffer, start, buffer.length, this.cutShort);
    return buffer.length;
  }
}
