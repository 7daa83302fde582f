/**
 * Syslog parser: detects RFC 5424 or RFC 3164 (BSD, best effort) and returns a SyslogMessage.
 * Pure and synchronous; never throws. Framing (octet counting, LF) happens before this.
 */
import type { ParseOptions, SyslogMessage } from './message.ts';
import { makeMessage } from './message.ts';
import { DEFAULT_FACILITY, DEFAULT_SEVERITY } from './codes.ts';
import { parseRfc5424 } from './rfc5424.ts';
import { parseRfc3164 } from './rfc3164.ts';

export type { ParseOptions, SyslogFormat, SyslogMessage } from './message.ts';
export { FACILITY_NAMES, SEVERITY_NAMES, facilityName, severityName } from './codes.ts';

const LT = 60;
const GT = 62;
const SP = 32;

/** Parses one syslog frame. */
export function parseSyslog(text: string, options: ParseOptions): SyslogMessage {
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

  // <PRI>: 1-3 digits, value 0..191.
  let pos = 0;
  let facility = DEFAULT_FACILITY;
  let severity = DEFAULT_SEVERITY;
  let hasPri = false;
  let problem: string | undefined;
  if (text.charCodeAt(0) === LT) {
    let i = 1;
    let value = 0;
    while (i < end && i < 6) {
      const d = text.charCodeAt(i) - 48;
      if (d < 0 || d > 9) break;
      value = value * 10 + d;
      i++;
    }
    if (i > 1 && i < end && text.charCodeAt(i) === GT) {
      pos = i + 1;
      if (i <= 4 && value <= 191) {
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

  return parseRfc3164(text, end, pos, facility, severity, hasPri, problem, options.receivedAt);
}
