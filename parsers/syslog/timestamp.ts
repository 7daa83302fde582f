/** Timestamp helpers: RFC 3339 parsing and RFC 3164 year inference, by char-code scanning. */
import type { TimeZone } from './timezone.ts';
import { DAYS_IN_MONTH } from './codes.ts';
import { UTC_ZONE } from './timezone.ts';

/** Milliseconds in a 400-year Gregorian cycle; lets Date.UTC handle years 0..99 (which it maps to 19xx). */
const MS_PER_400_YEARS = 12_622_780_800_000;
const MS_PER_DAY = 86_400_000;
/** RFC 3164 dates more than this far in the future belong to the previous year. */
const FUTURE_LIMIT_MS = 31 * MS_PER_DAY;
/** … and more than this far in the past (sender clock slightly ahead at New Year) to the next one. */
const PAST_LIMIT_MS = 334 * MS_PER_DAY;

function digit(text: string, i: number): number {
  const d = text.charCodeAt(i) - 48;
  return d >= 0 && d <= 9 ? d : -1000;
}

/** Two ASCII digits at i, or a negative number. */
export function twoDigits(text: string, i: number): number {
  return digit(text, i) * 10 + digit(text, i + 1);
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Whether day d exists in month mo (1..12) of year y. */
export function validDay(y: number, mo: number, d: number): boolean {
  if (d < 1 || d > (DAYS_IN_MONTH[mo - 1] ?? 0)) return false;
  return !(mo === 2 && d === 29 && !isLeap(y));
}

/** Date.UTC that also works for years 0..99. */
export function utc(y: number, mo0: number, d: number, h: number, mi: number, s: number, ms: number): number {
  if (y >= 100) return Date.UTC(y, mo0, d, h, mi, s, ms);
  return Date.UTC(y + 400, mo0, d, h, mi, s, ms) - MS_PER_400_YEARS;
}

/** Side output of parseRfc3339 (synchronous, so one per thread is enough). */
export const rfc3339Info = { hasOffset: true };

/**
 * Parses an RFC 3339 timestamp in text[start, end): `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
 * Returns the instant in ms, or NaN. Fractions beyond milliseconds are truncated. Without
 * `requireOffset`, a missing offset is allowed (seen in RFC 3164 variants): the result is then the
 * wall-clock time as if it were UTC and `rfc3339Info.hasOffset` is false, for the caller to apply a zone.
 */
export function parseRfc3339(text: string, start: number, end: number, requireOffset: boolean): number {
  if (end - start < 19) return NaN;
  const y = twoDigits(text, start) * 100 + twoDigits(text, start + 2);
  const mo = twoDigits(text, start + 5);
  const d = twoDigits(text, start + 8);
  const h = twoDigits(text, start + 11);
  const mi = twoDigits(text, start + 14);
  const s = twoDigits(text, start + 17);
  const t = text.charCodeAt(start + 10);
  if (
    y < 0 || mo < 1 || mo > 12 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 ||
    text.charCodeAt(start + 4) !== 45 || text.charCodeAt(start + 7) !== 45 ||
    (t !== 84 && t !== 116) || text.charCodeAt(start + 13) !== 58 || text.charCodeAt(start + 16) !== 58 ||
    !validDay(y, mo, d)
  ) {
    return NaN;
  }
  let i = start + 19;
  let ms = 0;
  if (i < end && text.charCodeAt(i) === 46) {
    i++;
    const fracStart = i;
    while (i < end) {
      const f = digit(text, i);
      if (f < 0) break;
      if (i - fracStart < 3) ms = ms * 10 + f;
      i++;
    }
    const n = i - fracStart;
    if (n === 0) return NaN;
    if (n === 1) ms *= 100;
    else if (n === 2) ms *= 10;
  }
  let offsetMin = 0;
  rfc3339Info.hasOffset = i !== end;
  if (i === end) {
    if (requireOffset) return NaN;
  } else {
    const z = text.charCodeAt(i);
    if (z === 90 || z === 122) {
      i++;
    } else if (z === 43 || z === 45) {
      const oh = twoDigits(text, i + 1);
      const om = twoDigits(text, i + 4);
      if (oh < 0 || oh > 23 || om < 0 || om > 59 || text.charCodeAt(i + 3) !== 58) return NaN;
      offsetMin = z === 45 ? -(oh * 60 + om) : oh * 60 + om;
      i += 6;
    } else {
      return NaN;
    }
  }
  if (i !== end) return NaN;
  return utc(y, mo - 1, d, h, mi, s, ms) - offsetMin * 60_000;
}

// One-entry cache: the year of receivedAt changes once a year, so skip a Date allocation per message.
let cachedYearStart = 0;
let cachedYearEnd = -1;
let cachedYear = 1970;

function yearOf(ms: number): number {
  if (ms >= cachedYearStart && ms < cachedYearEnd) return cachedYear;
  const y = new Date(ms).getUTCFullYear();
  if (Number.isNaN(y)) return NaN;
  cachedYear = y;
  cachedYearStart = Date.UTC(y, 0, 1);
  cachedYearEnd = Date.UTC(y + 1, 0, 1);
  return y;
}

/**
 * Instant of a year-less RFC 3164 timestamp, read as wall-clock time in `zone`, choosing the year from
 * the local date of receivedAt in that zone: a date more than ~1 month ahead of it is last year's, one
 * more than ~11 months behind is next year's. Returns NaN if receivedAt is not a valid time. `zone` defaults to UTC
 * (parsers/cef/time.ts relies on that).
 */
export function inferYear(
  mo0: number, d: number, h: number, mi: number, s: number, ms: number, receivedAt: number, zone: TimeZone = UTC_ZONE,
): number {
  const local = zone === UTC_ZONE ? receivedAt : receivedAt + zone.offsetAt(receivedAt);
  const y = yearOf(local);
  if (Number.isNaN(y)) return NaN;
  let wall = Date.UTC(y, mo0, d, h, mi, s, ms);
  if (wall - local > FUTURE_LIMIT_MS) wall = Date.UTC(y - 1, mo0, d, h, mi, s, ms);
  else if (local - wall > PAST_LIMIT_MS) wall = Date.UTC(y + 1, mo0, d, h, mi, s, ms);
  return zone === UTC_ZONE ? wall : zone.toUtc(wall);
}

/** What scanBsdClock found; one per thread, overwritten by each call (no allocation on the hot path). */
export const bsdClock = { year: -1, h: 0, mi: 0, s: 0, ms: 0, fractionDigits: -1 };

/**
 * `[yyyy ]hh:mm:ss[.fff]` after a BSD-style month and day (RFC 3164, CEF dates):
 * fills bsdClock and returns the index after it, or -1 when it is not one or
 * names an impossible time or day. year is -1 without a year; fractionDigits
 * is -1 without a fraction (0 for a bare dot, which callers may refuse).
 */
export function scanBsdClock(text: string, start: number, end: number, mo: number, d: number): number {
  let i = start;
  let year = -1;
  if (text.charCodeAt(i + 4) === 32 && text.charCodeAt(i + 2) !== 58) {
    year = twoDigits(text, i) * 100 + twoDigits(text, i + 2);
    if (year < 0) return -1;
    i += 5;
    while (i < end && text.charCodeAt(i) === 32) i++;
  }
  if (i + 8 > end || text.charCodeAt(i + 2) !== 58 || text.charCodeAt(i + 5) !== 58) return -1;
  const h = twoDigits(text, i);
  const mi = twoDigits(text, i + 3);
  const s = twoDigits(text, i + 6);
  if (h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60 || !validDay(year < 0 ? 2000 : year, mo + 1, d)) return -1;
  i += 8;
  let ms = 0;
  let fractionDigits = -1;
  if (i < end && text.charCodeAt(i) === 46) {
    i++;
    const fracStart = i;
    for (let c = text.charCodeAt(i); i < end && c >= 48 && c <= 57; c = text.charCodeAt(++i)) {
      if (i - fracStart < 3) ms = ms * 10 + c - 48;
    }
    fractionDigits = i - fracStart;
    if (fractionDigits === 1) ms *= 100;
    else if (fractionDigits === 2) ms *= 10;
  }
  bsdClock.year = year;
  bsdClock.h = h;
  bsdClock.mi = mi;
  bsdClock.s = s;
  bsdClock.ms = ms;
  bsdClock.fractionDigits = fractionDigits;
  return i;
}
