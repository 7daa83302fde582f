/*
 * Per-DCR rate limits: requests and decompressed bytes per fixed 60-second
 * window that starts with the first request after the previous one ended.
 */

const WINDOW_MS = 60_000;

export type Admission = { ok: true } | { ok: false; retryAfterSeconds: number; message: string };

export class RateLimiter {
  readonly #requestsPerMinute: number;
  readonly #bytesPerMinute: number;
  #windowStart = 0;
  #requests = 0;
  #bytes = 0;

  constructor(limits: { requestsPerMinute: number; bytesPerMinute: number }) {
    this.#requestsPerMinute = limits.requestsPerMinute;
    this.#bytesPerMinute = limits.bytesPerMinute;
  }

  /** Counts one request, or refuses it when the window's requests or bytes are used up. */
  admit(now: number): Admission {
    if (now - this.#windowStart >= WINDOW_MS) {
      this.#windowStart = now;
      this.#requests = 0;
      this.#bytes = 0;
    }
    const retryAfterSeconds = Math.max(1, Math.ceil((this.#windowStart + WINDOW_MS - now) / 1000));
    if (this.#requests >= this.#requestsPerMinute) {
      return { ok: false, retryAfterSeconds, message: `Request rate limit of ${this.#requestsPerMinute} requests per minute for this data collection rule exceeded.` };
    }
    if (this.#bytes >= this.#bytesPerMinute) {
      return { ok: false, retryAfterSeconds, message: `Data rate limit of ${this.#bytesPerMinute} bytes per minute for this data collection rule exceeded.` };
    }
    this.#requests++;
    return { ok: true };
  }

  /** Bytes of an admitted request, once its body is decoded; they count against the rest of the window. */
  addBytes(bytes: number): void {
    this.#bytes += bytes;
  }

  reset(): void {
    this.#windowStart = 0;
    this.#requests = 0;
    this.#bytes = 0;
  }
}
