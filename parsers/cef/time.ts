/**
 * CEF time values (`rt`, `start`, `end`, …) to epoch ms. Accepted, in this order:
 *
 * 1. Epoch as digits: 13+ digits (or any value of 11+ digits) are milliseconds, as the CEF spec says;
 *    up to 10 digits are seconds (some devices send `time()`), optionally with a `.fraction`.
 * 2. ISO 8601 / RFC 3339: `YYYY-MM-DDTHH:MM:SS[.fff][Z|±HH:MM]`, also with a space instead of `T`;
 *    no offset means UTC.
 * 3. The CEF spec's formats: `MMM dd[ yyyy] HH:mm:ss[.SSS][ zone]`, where zone is `UTC`, `GMT`, `Z`, an
 *    offset `±HH:MM` / `±HHMM` / `±HH`, or `UTC`/`GMT` followed by such an offset. Without a zone the time
 *    is UTC (as asimd reads RFC 3164 times); without a year the year is inferred from the receive time.
 *
 * Anything else (named zones such as `CET` or `Europe/Berlin`, other layouts) gives NaN: the caller keeps
 * the raw text rather than guessing.
 */
import { MONTH_INDEX, monthKey } from '../syslog/codes.ts';
import { bsdClock, inferYear, parseRfc3339, scanBsdClock, twoDigits, utc } from '../syslog/timestamp.ts';

const SP = 32;
const COLON = 58;
const DOT = 46;
const PLUS = 43;
const MINUS = 45;

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function epoch(text: string): number {
  const end = text.length;
  let i = 0;
  let v = 0;
  while (i < end && isDigit(text.charCodeAt(i))) {
    v = v * 10 + text.charCodeAt(i) - 48;
    i++;
  }
  const intDigits = i;
  if (intDigits === 0 || intDigits > 16) return NaN;
  let frac = 0;
  if (i < end) {
    if (text.charCodeAt(i) !== DOT || i + 1 === end) return NaN;
    i++;
    let scale = 1;
    while (i < end && isDigit(text.charCodeAt(i))) {
      scale /= 10;
      frac += (text.charCodeAt(i) - 48) * scale;
      i++;
    }
    if (i !== end) return NaN;
  }
  return intDigits <= 10 ? Math.floor((v + frac) * 1000) : Math.floor(v);
}

/** Zone suffix in text[i, end) (after one or more spaces) → offset in minutes, or NaN. */
function zoneOffset(text: string, i: number, end: number): number {
  if (i === end) return 0;
  if (text.startsWith('UTC', i) || text.startsWith('GMT', i)) i += 3;
  else if (text.charCodeAt(i) === 90 && i + 1 === end) return 0; // Z
  if (i === end) return 0;
  const sign = text.charCodeAt(i);
  if (sign !== PLUS && sign !== MINUS) return NaN;
  const h = twoDigits(text, i + 1);
  let m = 0;
  const rest = end - (i + 3);
  if (rest === 3 && text.charCodeAt(i + 3) === COLON) m = twoDigits(text, i + 4);
  else if (rest === 2) m = twoDigits(text, i + 3);
  else if (rest !== 0) return NaN;
  if (h < 0 || h > 23 || m < 0 || m > 59) return NaN;
  return sign === MINUS ? -(h * 60 + m) : h * 60 + m;
}

/** `MMM dd[ yyyy] HH:mm:ss[.SSS][ zone]`. */
function cefDate(text: string, receivedAt: number): number {
  const end = text.length;
  if (end < 14) return NaN;
  const mo = MONTH_INDEX.get(monthKey(text.charCodeAt(0), text.charCodeAt(1), text.charCodeAt(2)));
  if (mo === undefined || text.charCodeAt(3) !== SP) return NaN;
  let i = 4;
  while (i < end && text.charCodeAt(i) === SP) i++;
  if (!isDigit(text.charCodeAt(i))) return NaN;
  let d = text.charCodeAt(i++) - 48;
  if (isDigit(text.charCodeAt(i))) d = d * 10 + text.charCodeAt(i++) - 48;
  if (text.charCodeAt(i) !== SP) return NaN;
  while (i < end && text.charCodeAt(i) === SP) i++;
  i = scanBsdClock(text, i, end, mo, d);
  // A bare dot with no digits after it is not a fraction.
  if (i < 0 || bsdClock.fractionDigits === 0) return NaN;
  const { year, h, mi, s, ms } = bsdClock;
  let offset = 0;
  if (i < end) {
    if (text.charCodeAt(i) !== SP) return NaN;
    while (i < end && text.charCodeAt(i) === SP) i++;
    offset = zoneOffset(text, i, end);
    if (Number.isNaN(offset)) return NaN;
  }
  const t = year < 0 ? inferYear(mo, d, h, mi, s, ms, receivedAt) : utc(year, mo, d, h, mi, s, ms);
  return t - offset * 60_000;
}

/** Largest |ms| a Date holds; beyond it toISOString() would throw. */
const MAX_TIME = 8.64e15;

/** A CEF time value → epoch ms, or NaN when it is none of the accepted formats (see the file comment). */
export function parseCefTime(text: string, receivedAt: number): number {
  const t = parseAny(text, receivedAt);
  return t >= -MAX_TIME && t <= MAX_TIME ? t : NaN;
}

function parseAny(text: string, receivedAt: number): number {
  const len = text.length;
  if (len === 0) return NaN;
  const c0 = text.charCodeAt(0);
  if (isDigit(c0)) {
    if (len >= 19 && text.charCodeAt(4) === MINUS && text.charCodeAt(7) === MINUS) {
      const iso = text.charCodeAt(10) === SP ? text.slice(0, 10) + 'T' + text.slice(11) : text;
      return parseRfc3339(iso, 0, iso.length, false);
    }
    return epoch(text);
  }
  return cefDate(text, receivedAt);
}
