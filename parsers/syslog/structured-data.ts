/**
 * RFC 5424 STRUCTURED-DATA (§6.3), scanned by char code:
 *
 *   SD-ELEMENT = "[" SD-ID *(SP SD-PARAM) "]"
 *   SD-PARAM   = PARAM-NAME "=" %d34 PARAM-VALUE %d34
 *   SD-ID, PARAM-NAME = 1*32 PRINTUSASCII except '=', SP, ']', '"'
 *   PARAM-VALUE: '"', '\' and ']' must be escaped with '\'; '\' before any other character is a plain '\'.
 *   An SD-ID must not occur twice in one message.
 *
 * Two scanners: `checkStructuredData` (strict, the RFC grammar above) and `scanStructuredData` (lenient: only
 * finds where the elements end, so a slightly wrong SD such as `eventSource= "x"` is still split off the MSG).
 */

const SP = 32;
const LBRACKET = 91;
const RBRACKET = 93;
const QUOTE = 34;
const BACKSLASH = 92;
const EQUALS = 61;
const NIL = 45;
const MAX_NAME = 32;
/** SD-IDs remembered for the duplicate check; more elements than this are not checked for duplicates. */
const MAX_IDS = 32;
const idStarts = new Int32Array(MAX_IDS);
const idEnds = new Int32Array(MAX_IDS);

/** SD-NAME character: PRINTUSASCII (33..126) except '=', ']', '"'. */
function isNameChar(c: number): boolean {
  return c > SP && c < 127 && c !== EQUALS && c !== RBRACKET && c !== QUOTE;
}

/** End of an SD-NAME starting at i (1..32 name chars), or -1. */
function nameEnd(text: string, i: number, end: number): number {
  const start = i;
  while (i < end && isNameChar(text.charCodeAt(i))) i++;
  const n = i - start;
  return n >= 1 && n <= MAX_NAME ? i : -1;
}

function sameText(text: string, a: number, aEnd: number, b: number, bEnd: number): boolean {
  if (aEnd - a !== bEnd - b) return false;
  for (let k = 0; k < aEnd - a; k++) if (text.charCodeAt(a + k) !== text.charCodeAt(b + k)) return false;
  return true;
}

/**
 * Strict: one or more SD-ELEMENTs starting at the `[` at `start`. Returns the index after the last `]`,
 * or -1 if any element breaks the grammar (including an unterminated one) or repeats an SD-ID.
 */
export function checkStructuredData(text: string, start: number, end: number): number {
  let i = start;
  let count = 0;
  while (i < end && text.charCodeAt(i) === LBRACKET) {
    const idStart = i + 1;
    i = nameEnd(text, idStart, end);
    if (i < 0) return -1;
    for (let k = 0; k < count && k < MAX_IDS; k++) {
      if (sameText(text, idStarts[k] ?? 0, idEnds[k] ?? 0, idStart, i)) return -1;
    }
    if (count < MAX_IDS) {
      idStarts[count] = idStart;
      idEnds[count] = i;
    }
    count++;
    // *(SP SD-PARAM) "]"
    for (;;) {
      if (i >= end) return -1;
      const c = text.charCodeAt(i);
      if (c === RBRACKET) break;
      if (c !== SP) return -1;
      i = nameEnd(text, i + 1, end);
      if (i < 0 || text.charCodeAt(i) !== EQUALS || text.charCodeAt(i + 1) !== QUOTE) return -1;
      i += 2;
      for (;;) {
        if (i >= end) return -1;
        const v = text.charCodeAt(i);
        if (v === QUOTE) break;
        if (v === BACKSLASH) i += 2;
        else if (v === RBRACKET) return -1;
        else i++;
      }
      i++;
    }
    i++;
  }
  return i;
}

/**
 * Lenient: one or more SD-ELEMENTs starting at a `[`. Returns the index after the last `]`, or -1.
 * Inside a quoted PARAM-VALUE, `\` escapes the next character, so `\"`, `\\` and `\]` do not end
 * the value or the element, and a bare `]` inside quotes does not end the element either.
 */
export function scanStructuredData(text: string, start: number, end: number): number {
  let i = start;
  while (i < end && text.charCodeAt(i) === LBRACKET) {
    i++;
    const idStart = i;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === SP || c === RBRACKET) break;
      if (c === EQUALS || c === QUOTE || c < SP) return -1;
      i++;
    }
    if (i === idStart) return -1;
    let inQuote = false;
    for (; i < end; i++) {
      const c = text.charCodeAt(i);
      if (inQuote) {
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) inQuote = false;
      } else if (c === QUOTE) {
        inQuote = true;
      } else if (c === RBRACKET) {
        break;
      }
    }
    if (i >= end) return -1;
    i++;
  }
  return i;
}

export interface SdElement {
  id: string;
  /** [PARAM-NAME, unescaped PARAM-VALUE] in message order (a name may repeat, RFC 5424 §6.3.3). */
  params: Array<[string, string]>;
}

/** PARAM-VALUE text[start, stop) with `\"`, `\\`, `\]` unescaped; any other `\` kept. */
function unescape(text: string, start: number, stop: number): string {
  let k = text.indexOf('\\', start);
  if (k < 0 || k >= stop) return text.slice(start, stop);
  let out = '';
  let from = start;
  while (k >= 0 && k < stop) {
    const n = text.charCodeAt(k + 1);
    if (n === QUOTE || n === BACKSLASH || n === RBRACKET) {
      out += text.slice(from, k);
      from = k + 1;
      k += 2;
    } else {
      k++;
    }
    k = text.indexOf('\\', k);
  }
  return out + text.slice(from, stop);
}

/**
 * Parses RFC 5424 STRUCTURED-DATA (as in SyslogMessage.structuredData) into elements with unescaped
 * values. `-` (NILVALUE) gives []; text that is not strictly valid SD (see checkStructuredData), or has
 * anything after the last element, gives undefined. Not on the hot path: it allocates.
 */
export function parseStructuredData(raw: string): SdElement[] | undefined {
  if (raw.length === 1 && raw.charCodeAt(0) === NIL) return [];
  if (checkStructuredData(raw, 0, raw.length) !== raw.length || raw.length === 0) return undefined;
  const out: SdElement[] = [];
  let i = 0;
  while (i < raw.length) {
    const idEnd = nameEnd(raw, i + 1, raw.length);
    const element: SdElement = { id: raw.slice(i + 1, idEnd), params: [] };
    i = idEnd;
    while (raw.charCodeAt(i) === SP) {
      const nEnd = nameEnd(raw, i + 1, raw.length);
      const name = raw.slice(i + 1, nEnd);
      const vStart = nEnd + 2;
      let v = vStart;
      while (raw.charCodeAt(v) !== QUOTE) v += raw.charCodeAt(v) === BACKSLASH ? 2 : 1;
      element.params.push([name, unescape(raw, vStart, v)]);
      i = v + 1;
    }
    out.push(element);
    i++; // ']'
  }
  return out;
}
