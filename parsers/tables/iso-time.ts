/**
 * Date.prototype.toISOString for row timestamps, without a Date per row: the
 * "YYYY-MM-DDTHH:MM:" prefix is cached per minute, since a stream's rows
 * mostly fall in the same minute, and only seconds and milliseconds are
 * formatted. Output is identical to toISOString for years 0–9999.
 */
const MINUTE = 60_000;
const PAD2 = Array.from({ length: 60 }, (_, n) => (n < 10 ? `0${n}` : String(n)));
const PAD3 = Array.from({ length: 1000 }, (_, n) => String(n).padStart(3, '0'));

let cachedMinute = Number.NaN;
let cachedPrefix = '';

export function isoTime(ms: number): string {
  const minute = Math.floor(ms / MINUTE) * MINUTE;
  if (minute !== cachedMinute) {
    const full = new Date(minute).toISOString();
    // Years outside 0–9999 print differently (±YYYYYY); leave them to Date.
    if (full.length !== 24) return new Date(ms).toISOString();
    cachedMinute = minute;
    cachedPrefix = full.slice(0, 17);
  }
  const inMinute = ms - minute;
  const seconds = Math.floor(inMinute / 1000);
  return `${cachedPrefix}${PAD2[seconds] ?? ''}.${PAD3[Math.floor(inMinute - seconds * 1000)] ?? ''}Z`;
}
