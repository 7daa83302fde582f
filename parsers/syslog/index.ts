/**
 * Syslog parser: detects RFC 5424 or RFC 3164 (BSD, best effort) and returns a SyslogMessage.
 * Pure and synchronous; never throws. Framing (octet counting, LF) happens before this.
 */
import type { ParseOptions, SyslogMessage } from './message.ts';
import { makeMessage } from './message.ts';
import { DEFAULT_FACILITY, DEFAULT_SEVERITY } from './codes.ts';
import { parseRfc5424 } from './rfc5424.ts';
import { parseRfc3164 } from './rfc3164.ts';
import type { TimeZone } from './timezone.ts';
import { resolveTimeZone, UTC_ZONE } from './timezone.ts';

export type { ParseOptions, SyslogFormat, SyslogMessage } from './message.ts';
export type { TimeZone } from './timezone.ts';
export type { SdElement } from './structured-data.ts';
export { FACILITY_NAMES, SEVERITY_NAMES, facilityName, severityName } from './codes.ts';
export { validTimeZone } from './timezone.ts';
export { parseStructuredData } from './structured-data.ts';
export { decodeFrame } from './decode.ts';
export type { DecodedFrame } from './decode.ts';

/** Per-source settings fixed when a source is configured (see createParser). */
export interface ParserConfig {
  /** As ParseOptions.timeZone. Must pass validTimeZone; createParser throws otherwise. */
  timeZone?: string | undefined;
}

/** A parser bound to one source's settings; the zone is resolved once, not per message. */
export type SyslogParser = (text: string, receivedAt: number) => SyslogMessage;

/**
 * Returns a parser with the source's settings resolved up front (a per-source time zone, for one).
 * Throws a RangeError for an unknown time zone, so a bad config fails at start, never per message.
 */
export function createParser(config: ParserConfig = {}): SyslogParser {
  const zone = resolveTimeZone(config.timeZone);
  if (zone === undefined) throw new RangeError(`unknown time zone: ${String(config.timeZone)}`);
  return (text, receivedAt) => parse(text, receivedAt, zone);
}

/** Parses one syslog frame. `options.timeZone` is looked up in a cache by name (no Intl per call). */
export function parseSyslog(text: string, options: ParseOptions): SyslogMessage {
  const tz = options.timeZone;
  return parse(text, options.receivedAt, tz === undefined ? UTC_ZONE : resolveTimeZone(tz));
}

const LT = 60;
const GT = 62;
const SP = 32;

/** `zone` undefined = the configured name was unknown (read as UTC, flagged by the RFC 3164 parser). */
function parse(text: string, receivedAt: number, zone: TimeZone | undefined): SyslogMessage {
  // Strip trailing CR, LF and NUL.
  let end = text.length;
  while (end > 0) {
    const c = text.charCodeAt(end - 1);
    if (c === 10 || c === 13 || c === 0) end--;
    else break;
  }
  if (end === 0) {
    return makeMessage('unparsed', DEFAULT_FACILITY, DEFAULT_SEVERITY, false, undefined, undefined, undefined, undefined, undefined, undefined, '', 'empty');
  }

  // Leading whitespace before a `<` (a stray LF or indentation from the sender) is skipped.
  let start = 0;
  let c0 = text.charCodeAt(0);
  if (c0 === SP || c0 === 9 || c0 === 10 || c0 === 13) {
    while (c0 === SP || c0 === 9 || c0 === 10 || c0 === 13) c0 = text.charCodeAt(++start);
    if (c0 !== LT) start = 0;
  }

  // <PRI>: 1-3 digits, value 0..191.
  let pos = 0;
  let facility = DEFAULT_FACILITY;
  let severity = DEFAULT_SEVERITY;
  let hasPri = false;
  let problem: string | undefined;
  if (text.charCodeAt(start) === LT) {
    let i = start + 1;
    let value = 0;
    while (i < end && i < start + 6) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      i++;
    }
    if (i > start + 1 && i < end && text.charCodeAt(i) === GT) {
      pos = i + 1;
      if (i <= start + 4 && value <= 191) {
        hasPri = true;
        facility = value >> 3;
        severity = value & 7;
      } else {
        problem = 'bad_pri';
      }
    } else {
      problem = 'bad_pri';
    }
  } else {
    problem = 'no_pri';
  }

  // RFC 5424: <PRI>VERSION SP, VERSION = 1-3 digits.
  if (hasPri) {
    let i = pos;
    while (i < end && i - pos < 4) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      i++;
    }
    const n = i - pos;
    if (n >= 1 && n <= 3 && i < end && text.charCodeAt(i) === SP) {
      return parseRfc5424(text, end, pos, facility, severity, text.charCodeAt(pos) === 48 ? 'bad_version' : undefined);
    }
  }

  return parseRfc3164(text, end, pos, facility, severity, hasPri, problem, receivedAt, zone);
}
