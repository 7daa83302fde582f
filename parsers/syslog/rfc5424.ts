/** RFC 5424 parser: HEADER SP STRUCTURED-DATA [SP MSG], scanned by char code. */
import type { SyslogMessage } from './message.ts';
import { makeMessage } from './message.ts';
import { parseRfc3339 } from './timestamp.ts';
import { checkStructuredData, scanStructuredData } from './structured-data.ts';

export { scanStructuredData } from './structured-data.ts';

const SP = 32;
const NIL = 45; // '-'
const LBRACKET = 91;
const BOM = 0xfeff;

/**
 * End of the header field starting at `start`: the index of the SP that follows it, or -1 when
 * the field is empty, runs into the end of the text, or contains a control character.
 */
function fieldEnd(text: string, start: number, end: number): number {
  let i = start;
  while (i < end && text.charCodeAt(i) > SP) i++;
  if (i === start || i === end || text.charCodeAt(i) !== SP) return -1;
  return i;
}

function fieldValue(text: string, start: number, stop: number): string | undefined {
  return stop - start === 1 && text.charCodeAt(start) === NIL ? undefined : text.slice(start, stop);
}

/**
 * Parses the part after `<PRI>`: `pos` points at VERSION, which the caller has checked is 1-3
 * digits followed by SP. `end` excludes stripped trailing CR/LF/NUL. `problem` carries a code
 * found earlier (bad_version).
 */
export function parseRfc5424(
  text: string,
  end: number,
  pos: number,
  facility: number,
  severity: number,
  problem: string | undefined,
): SyslogMessage {
  while (text.charCodeAt(pos) !== SP) pos++;
  pos++;

  const tsEnd = fieldEnd(text, pos, end);
  if (tsEnd < 0) return badHeader(text, end, facility, severity);
  let timestamp: number | undefined;
  if (tsEnd - pos !== 1 || text.charCodeAt(pos) !== NIL) {
    const t = parseRfc3339(text, pos, tsEnd, true);
    if (Number.isNaN(t)) problem ??= 'bad_timestamp';
    else timestamp = t;
  }
  pos = tsEnd + 1;

  const hostEnd = fieldEnd(text, pos, end);
  if (hostEnd < 0) return badHeader(text, end, facility, severity);
  const hostname = fieldValue(text, pos, hostEnd);
  pos = hostEnd + 1;

  const appEnd = fieldEnd(text, pos, end);
  if (appEnd < 0) return badHeader(text, end, facility, severity);
  const appName = fieldValue(text, pos, appEnd);
  pos = appEnd + 1;

  const procEnd = fieldEnd(text, pos, end);
  if (procEnd < 0) return badHeader(text, end, facility, severity);
  const procId = fieldValue(text, pos, procEnd);
  pos = procEnd + 1;

  const msgIdEnd = fieldEnd(text, pos, end);
  if (msgIdEnd < 0) return badHeader(text, end, facility, severity);
  const msgId = fieldValue(text, pos, msgIdEnd);
  pos = msgIdEnd + 1;

  if (pos >= end) return badHeader(text, end, facility, severity);

  // STRUCTURED-DATA
  let structuredData: string | undefined;
  let sdBad = false;
  const c = text.charCodeAt(pos);
  if (c === NIL && (pos + 1 === end || text.charCodeAt(pos + 1) === SP)) {
    pos++;
  } else if (c === LBRACKET) {
    // Strict first (the common, valid case costs one pass); if that fails, the lenient scan still
    // splits a delimitable SD off the MSG and the message is flagged invalid_structured_data.
    let sdEnd = checkStructuredData(text, pos, end);
    if (sdEnd < 0 || (sdEnd < end && text.charCodeAt(sdEnd) !== SP)) {
      const loose = scanStructuredData(text, pos, end);
      if (loose >= 0 && loose !== sdEnd) problem ??= 'invalid_structured_data';
      if (loose >= 0) sdEnd = loose;
    }
    if (sdEnd < 0) {
      sdBad = true;
    } else {
      structuredData = text.slice(pos, sdEnd);
      pos = sdEnd;
    }
  } else {
    // Best effort for senders that omit STRUCTURED-DATA: the rest is the message.
    sdBad = true;
  }
  // Missing or unterminated SD: the rest of the text is kept as the message.
  if (sdBad) problem ??= 'bad_structured_data';

  // [SP MSG]
  let message = '';
  if (pos < end) {
    if (sdBad) {
      // keep everything from pos as the message
    } else if (text.charCodeAt(pos) === SP) {
      pos++;
    } else {
      problem ??= 'bad_structured_data';
    }
    if (pos < end && text.charCodeAt(pos) === BOM) pos++;
    message = text.slice(pos, end);
  }

  return makeMessage('rfc5424', facility, severity, true, timestamp, hostname, appName, procId, msgId, structuredData, message, problem);
}

function badHeader(text: string, end: number, facility: number, severity: number): SyslogMessage {
  const raw = end === text.length ? text : text.slice(0, end);
  return makeMessage('unparsed', facility, severity, true, undefined, undefined, undefined, undefined, undefined, undefined, raw, 'bad_header');
}
