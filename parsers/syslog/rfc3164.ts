/**
 * RFC 3164 (BSD) parser, best effort over real-world variants:
 * `[seq: ][*]Mmm dd [yyyy ]hh:mm:ss[.fff][:]` or an RFC 3339 timestamp, an optional HOSTNAME, a tag
 * `app[pid]:` / `app:`, then MSG.
 */
import type { SyslogMessage } from './message.ts';
import type { TimeZone } from './timezone.ts';
import { makeMessage } from './message.ts';
import { MONTH_INDEX, monthKey } from './codes.ts';
import { bsdClock, inferYear, parseRfc3339, rfc3339Info, scanBsdClock, utc } from './timestamp.ts';
import { UTC_ZONE } from './timezone.ts';

const SP = 32;
const COLON = 58;
const DOT = 46;
const STAR = 42;
const LBRACKET = 91;
const RBRACKET = 93;

/** Scratch output of the timestamp scanners (synchronous, so one per thread is enough). */
const cursor = { end: -1, invalid: false };

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function skipSpaces(text: string, i: number, end: number): number {
  while (i < end && text.charCodeAt(i) === SP) i++;
  return i;
}

function spaceEnd(text: string, i: number, end: number): number {
  while (i < end && text.charCodeAt(i) !== SP) i++;
  return i;
}

/**
 * `[*|.]Mmm d[d] [yyyy ]hh:mm:ss[.fff][:]` at pos. Returns the instant (NaN when there is none or it
 * is invalid); cursor.end = index after it (-1 if none); cursor.invalid = it looked like a timestamp but was not.
 */
function bsdTimestamp(text: string, pos: number, end: number, receivedAt: number, zone: TimeZone): number {
  let i = pos;
  const c = text.charCodeAt(i);
  if (c === STAR || c === DOT) i++;
  if (i + 4 > end) return NaN;
  const mo = MONTH_INDEX.get(monthKey(text.charCodeAt(i), text.charCodeAt(i + 1), text.charCodeAt(i + 2)));
  if (mo === undefined || text.charCodeAt(i + 3) !== SP) return NaN;
  i = skipSpaces(text, i + 4, end);
  cursor.invalid = true;
  if (!isDigit(text.charCodeAt(i))) return NaN;
  let d = text.charCodeAt(i) - 48;
  i++;
  if (isDigit(text.charCodeAt(i))) {
    d = d * 10 + text.charCodeAt(i) - 48;
    i++;
  }
  if (text.charCodeAt(i) !== SP) return NaN;
  i = skipSpaces(text, i, end);
  i = scanBsdClock(text, i, end, mo, d);
  if (i < 0) return NaN;
  const { year, h, mi, s, ms } = bsdClock;
  if (i < end && text.charCodeAt(i) === COLON) i++; // Cisco IOS: `*Mar  1 00:12:34.567: %SYS-...`
  if (i < end && text.charCodeAt(i) !== SP) return NaN;
  cursor.invalid = false;
  cursor.end = i;
  if (year < 0) return inferYear(mo, d, h, mi, s, ms, receivedAt, zone);
  const wall = utc(year, mo, d, h, mi, s, ms);
  return zone === UTC_ZONE ? wall : zone.toUtc(wall);
}

/** Timestamp at pos, either BSD or RFC 3339; see bsdTimestamp for the cursor protocol. */
function timestampAt(text: string, pos: number, end: number, receivedAt: number, zone: TimeZone): number {
  cursor.invalid = false;
  cursor.end = -1;
  const c = text.charCodeAt(pos);
  if (isDigit(c)) {
    if (text.charCodeAt(pos + 4) !== 45 || !isDigit(text.charCodeAt(pos + 3))) return NaN;
    const e = spaceEnd(text, pos, end);
    const t = parseRfc3339(text, pos, e, false);
    if (Number.isNaN(t)) {
      cursor.invalid = true;
      return NaN;
    }
    cursor.end = e;
    return rfc3339Info.hasOffset || zone === UTC_ZONE ? t : zone.toUtc(t);
  }
  return bsdTimestamp(text, pos, end, receivedAt, zone);
}

/** Whether text[start, stop) looks like a tag rather than a hostname: ends with `:` or contains `[`. */
function looksLikeTag(text: string, start: number, stop: number): boolean {
  if (text.charCodeAt(stop - 1) === COLON) return true;
  for (let i = start; i < stop; i++) if (text.charCodeAt(i) === LBRACKET) return true;
  return false;
}

const LAST_REPEATED = 'last message repeated ';
const MESSAGE_REPEATED = 'message repeated ';

/**
 * N when text at pos is a repeat notice: `[--- ]last message repeated N time[s]` (syslogd, rsyslog; macOS
 * wraps it in `---`) or `message repeated N time[s]:` (rsyslog's reduction, after the original tag), followed
 * by the end, SP or `:`. Otherwise -1. Looked at only when pos holds '-', 'l' or 'm'.
 */
function repeatAt(text: string, pos: number, end: number): number {
  let i = pos;
  let c = text.charCodeAt(i);
  if (c === 45) {
    if (!text.startsWith('--- ', i)) return -1;
    i += 4;
    c = text.charCodeAt(i);
  }
  if (c === 108) {
    if (!text.startsWith(LAST_REPEATED, i)) return -1;
    i += LAST_REPEATED.length;
  } else if (c === 109) {
    if (!text.startsWith(MESSAGE_REPEATED, i)) return -1;
    i += MESSAGE_REPEATED.length;
  } else {
    return -1;
  }
  const digits = i;
  let n = 0;
  while (i < end && isDigit(text.charCodeAt(i))) {
    n = n * 10 + text.charCodeAt(i) - 48;
    i++;
  }
  if (i === digits || i - digits > 15 || !text.startsWith(' time', i)) return -1;
  i += 5;
  if (text.charCodeAt(i) === 115) i++; // 's'
  if (i >= end) return n;
  c = text.charCodeAt(i);
  return c === SP || c === COLON ? n : -1;
}

function mayRepeat(c: number): boolean {
  return c === 108 || c === 109 || c === 45;
}

/**
 * `pos` points after `<PRI>` (or at 0 without one). `problem` carries no_pri/bad_pri from the caller.
 * `zone` reads timestamps without an offset; undefined means an unknown zone name (read as UTC, flagged).
 */
export function parseRfc3164(
  text: string,
  end: number,
  pos: number,
  facility: number,
  severity: number,
  hasPri: boolean,
  problem: string | undefined,
  receivedAt: number,
  zone: TimeZone | undefined,
): SyslogMessage {
  pos = skipSpaces(text, pos, end);
  const z = zone ?? UTC_ZONE;

  // Optional Cisco IOS sequence number `123: ` in front of the timestamp.
  let tsPos = pos;
  let i = pos;
  while (i < end && isDigit(text.charCodeAt(i))) i++;
  if (i > pos && text.charCodeAt(i) === COLON && text.charCodeAt(i + 1) === SP) tsPos = skipSpaces(text, i + 2, end);

  let timestamp: number | undefined;
  let hasTs = false;
  let t = timestampAt(text, tsPos, end, receivedAt, z);
  if (cursor.invalid && tsPos !== pos) t = timestampAt(text, pos, end, receivedAt, z);
  if (cursor.invalid) {
    problem ??= 'bad_timestamp';
  } else if (cursor.end >= 0) {
    hasTs = true;
    if (!Number.isNaN(t)) timestamp = t;
    pos = skipSpaces(text, cursor.end, end);
    if (zone === undefined) problem ??= 'unknown_time_zone';
  }

  // A repeat notice where the hostname would be: no hostname, no tag (`<13>Jun 1 00:00:00 last message repeated 3 times`).
  let repeated = -1;
  if (mayRepeat(text.charCodeAt(pos))) {
    repeated = repeatAt(text, pos, end);
    if (repeated >= 0) return repeatNotice(text, end, pos, facility, severity, hasPri, timestamp, undefined, problem, repeated);
  }

  // HOSTNAME, only after a timestamp, and only if the token is not the tag itself.
  let hostname: string | undefined;
  let tokEnd = spaceEnd(text, pos, end);
  if (hasTs && tokEnd > pos && !looksLikeTag(text, pos, tokEnd)) {
    hostname = text.slice(pos, tokEnd);
    pos = skipSpaces(text, tokEnd, end);
    if (mayRepeat(text.charCodeAt(pos))) {
      repeated = repeatAt(text, pos, end);
      if (repeated >= 0) return repeatNotice(text, end, pos, facility, severity, hasPri, timestamp, hostname, problem, repeated);
    }
    tokEnd = spaceEnd(text, pos, end);
  }

  // TAG: `app[pid]:`, `app[pid]`, `app:`; a lone `:` (Cisco ASA `host : %ASA-...`) is skipped.
  let appName: string | undefined;
  let procId: string | undefined;
  if (tokEnd > pos) {
    let contentEnd = tokEnd;
    let isTag = false;
    if (text.charCodeAt(tokEnd - 1) === COLON) {
      contentEnd = tokEnd - 1;
      isTag = true;
    }
    if (contentEnd > pos && text.charCodeAt(contentEnd - 1) === RBRACKET) {
      let k = pos;
      while (k < contentEnd && text.charCodeAt(k) !== LBRACKET) k++;
      if (k > pos && k < contentEnd - 1) {
        appName = text.slice(pos, k);
        procId = text.slice(k + 1, contentEnd - 1);
        isTag = true;
      } else if (isTag) {
        appName = text.slice(pos, contentEnd);
      }
    } else if (isTag && contentEnd > pos) {
      appName = text.slice(pos, contentEnd);
    }
    if (isTag) {
      pos = tokEnd;
      if (pos < end && text.charCodeAt(pos) === SP) pos++;
    }
  }

  if (!hasPri && !hasTs && appName === undefined) {
    const raw = end === text.length ? text : text.slice(0, end);
    return makeMessage('unparsed', facility, severity, false, undefined, undefined, undefined, undefined, undefined, undefined, raw,
      problem === undefined || problem === 'no_pri' ? 'no_header' : problem);
  }
  // rsyslog's reduction keeps the tag: `sshd[1]: message repeated 5 times: [ Failed password …]`.
  if (appName !== undefined && text.charCodeAt(pos) === 109) {
    const n = repeatAt(text, pos, end);
    if (n >= 0) repeated = n;
  }
  const message = pos >= end ? '' : text.slice(pos, end);
  return makeMessage('rfc3164', facility, severity, hasPri, timestamp, hostname, appName, procId, undefined, undefined, message, problem,
    repeated >= 0 ? repeated : undefined);
}

/** A repeat notice with the notice itself as the message, no tag. */
function repeatNotice(
  text: string, end: number, pos: number, facility: number, severity: number, hasPri: boolean,
  timestamp: number | undefined, hostname: string | undefined, problem: string | undefined, repeated: number,
): SyslogMessage {
  return makeMessage('rfc3164', facility, severity, hasPri, timestamp, hostname, undefined, undefined, undefined, undefined,
    text.slice(pos, end), problem, repeated);
}
