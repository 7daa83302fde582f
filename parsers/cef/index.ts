/**
 * CEF (ArcSight Common Event Format) parser: `CEF:Version|Vendor|Product|Version|SignatureID|Name|Severity|Extension`.
 * Pure and synchronous; never throws. It scans char codes and slices the input; it only builds new strings
 * for fields that hold escapes.
 *
 * Accepted (and what is lenient on purpose, so no data is lost):
 * - `CEF:0|` and `CEF:1|`, also with spaces after the colon (`CEF: 0|`, seen from Barracuda WAF). Another
 *   version number still parses, flagged `bad_version`.
 * - Header escapes `\|` and `\\`. Any other backslash is kept as is and flagged `bad_escape`.
 * - Extension escapes `\=`, `\\`, `\n` (LF), `\r` (CR), and `\|` (not required by the spec, sent by some
 *   devices). Any other backslash is kept as is and flagged `bad_escape`.
 * - A value runs until the space before the next `key=`, where a key is `[A-Za-z0-9_.\[\]-]+` (ArcSight keys
 *   plus the `ad.` / `_cefVer` style seen in the liblognorm vectors). A value may hold unescaped `=`
 *   (`msg=lang=en`) and spaces; trailing spaces of a value are not part of it. Empty values (`key=`) are kept.
 * - Empty header fields (`CEF:0|||||name||`), no extension at all, a missing last `|` after Severity.
 * - Leading text of the extension that is not `key=value` is kept, flagged `bad_extension`: a key with other
 *   characters (`n,me=v`) keeps that key; text with no `=` at all is stored under the empty key `""`.
 *
 * Problem codes (first one found wins): `bad_header` (fewer than 7 header fields; the fields found are kept,
 * the rest are empty), `bad_version`, `bad_extension`, `bad_escape`.
 */

export interface CefEvent {
  /** 0 or 1 (another number is kept and flagged `bad_version`). */
  version: number;
  deviceVendor: string;
  deviceProduct: string;
  deviceVersion: string;
  signatureId: string;
  name: string;
  severity: string;
  /** Keys in original case and order; values unescaped. A repeated key keeps its first position and last value. */
  extensions: Map<string, string>;
  /** snake_case problem code; undefined when clean. */
  problem: string | undefined;
}

const TAB = 9;
const LF = 10;
const CR = 13;
const SP = 32;
const BS = 92;
const PIPE = 124;
const EQ = 61;
const BOM = 0xfeff;
const LOWER_N = 110;
const LOWER_R = 114;

/** Key characters: A-Z a-z 0-9 _ . [ ] - (one lookup per char code, built once). */
const KEY_CHAR = new Uint8Array(128);
for (let c = 48; c <= 57; c++) KEY_CHAR[c] = 1;
for (let c = 65; c <= 90; c++) KEY_CHAR[c] = 1;
for (let c = 97; c <= 122; c++) KEY_CHAR[c] = 1;
for (const ch of '_.[]-') KEY_CHAR[ch.charCodeAt(0)] = 1;

/** The one place a CefEvent is created, so every event has the same hidden class. */
function makeEvent(
  version: number,
  deviceVendor: string,
  deviceProduct: string,
  deviceVersion: string,
  signatureId: string,
  name: string,
  severity: string,
  extensions: Map<string, string>,
  problem: string | undefined,
): CefEvent {
  return { version, deviceVendor, deviceProduct, deviceVersion, signatureId, name, severity, extensions, problem };
}

/** Set by the unescape helpers when they keep an invalid escape (synchronous, so one per thread is enough). */
let badEscape = false;

/** Index after `CEF:` + optional spaces + digits + `|` at `at`, or -1. `versionOut[0]` gets the number. */
const versionOut = [0];
function versionEnd(text: string, at: number): number {
  if (!text.startsWith('CEF:', at)) return -1;
  let i = at + 4;
  const end = text.length;
  while (i < end && text.charCodeAt(i) === SP) i++;
  const digits = i;
  let v = 0;
  while (i < end && i - digits < 4) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    v = v * 10 + d;
    i++;
  }
  if (i === digits || text.charCodeAt(i) !== PIPE) return -1;
  versionOut[0] = v;
  return i + 1;
}

/**
 * Where "CEF:" starts in a raw line (`Sep 19 08:26:10 host CEF:0|...`), or -1. It must begin the text or
 * follow a space, tab or BOM, and be followed by a version and `|`, so "CEF:" inside prose is not taken.
 */
export function cefStart(text: string): number {
  let from = 0;
  for (;;) {
    const i = text.indexOf('CEF:', from);
    if (i < 0) return -1;
    const before = i === 0 ? SP : text.charCodeAt(i - 1);
    if ((before === SP || before === TAB || before === BOM) && versionEnd(text, i) > 0) return i;
    from = i + 4;
  }
}

/**
 * Parses CEF at the start of `text` (after leading spaces, tabs or a BOM). Returns undefined when the text is
 * not CEF (no `CEF:<digits>|` there).
 */
export function parseCef(text: string): CefEvent | undefined {
  let i = 0;
  const end = text.length;
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c !== SP && c !== TAB && c !== BOM) break;
    i++;
  }
  return parseCefAt(text, i);
}

/** Unescapes a header field in text[s, e): `\|` and `\\`. */
function unescapeHeader(text: string, s: number, e: number): string {
  let out = '';
  let last = s;
  for (let i = s; i < e; i++) {
    if (text.charCodeAt(i) !== BS) continue;
    const n = i + 1 < e ? text.charCodeAt(i + 1) : -1;
    if (n === PIPE || n === BS) {
      out += text.slice(last, i);
      last = i + 1;
      i++;
    } else {
      badEscape = true;
    }
  }
  return out + text.slice(last, e);
}

/** Unescapes an extension value in text[s, e): `\=` `\\` `\n` `\r` `\|`. */
function unescapeValue(text: string, s: number, e: number): string {
  let out = '';
  let last = s;
  for (let i = s; i < e; i++) {
    if (text.charCodeAt(i) !== BS) continue;
    const n = i + 1 < e ? text.charCodeAt(i + 1) : -1;
    let rep: string;
    if (n === EQ) rep = '=';
    else if (n === BS) rep = '\\';
    else if (n === LOWER_N) rep = '\n';
    else if (n === LOWER_R) rep = '\r';
    else if (n === PIPE) rep = '|';
    else {
      badEscape = true;
      continue;
    }
    out += text.slice(last, i) + rep;
    last = i + 2;
    i++;
  }
  return out + text.slice(last, e);
}

/** Index after the run of key characters starting at i. */
function keyEnd(text: string, i: number, end: number): number {
  while (i < end) {
    const c = text.charCodeAt(i);
    if (c >= 128 || KEY_CHAR[c] !== 1) break;
    i++;
  }
  return i;
}

function isValidEscape(c: number): boolean {
  return c === BS || c === EQ || c === LOWER_N || c === LOWER_R || c === PIPE;
}

/**
 * Parses CEF whose "CEF:" starts at index `start` of `text` (for example `cefStart(line)`), without
 * slicing the line first. Returns undefined when there is no `CEF:<digits>|` at `start`.
 */
export function parseCefAt(text: string, start: number): CefEvent | undefined {
  let pos = start < 0 ? -1 : versionEnd(text, start);
  if (pos < 0) return undefined;
  const version = versionOut[0] ?? 0;
  let problem: string | undefined = version === 0 || version === 1 ? undefined : 'bad_version';
  badEscape = false;

  // Trailing whitespace (spaces, tabs, CR, LF, NUL) is never part of the last field.
  let end = text.length;
  while (end > pos) {
    const c = text.charCodeAt(end - 1);
    if (c === SP || c === TAB || c === LF || c === CR || c === 0) end--;
    else break;
  }

  // Six header fields after the version, each ended by an unescaped `|`.
  const fields = ['', '', '', '', '', ''];
  for (let n = 0; n < 6; n++) {
    let i = pos;
    let escaped = false;
    while (i < end) {
      const c = text.charCodeAt(i);
      if (c === PIPE) break;
      if (c === BS) {
        escaped = true;
        i++;
      }
      i++;
    }
    if (i > end) i = end;
    if (i === end && n < 5) {
      // Fewer than 7 fields: keep what there is.
      fields[n] = escaped ? unescapeHeader(text, pos, i) : text.slice(pos, i);
      problem = 'bad_header';
      pos = end;
      break;
    }
    fields[n] = escaped ? unescapeHeader(text, pos, i) : text.slice(pos, i);
    pos = i < end ? i + 1 : end; // Severity may end the text without its `|`.
  }

  const extensions = new Map<string, string>();
  if (problem !== 'bad_header') {
    while (pos < end && text.charCodeAt(pos) === SP) pos++;
    while (pos < end) {
      // Key.
      const ks = pos;
      const k = keyEnd(text, ks, end);
      let key: string;
      let vs: number;
      if (k > ks && text.charCodeAt(k) === EQ) {
        key = text.slice(ks, k);
        vs = k + 1;
      } else {
        problem ??= 'bad_extension';
        let j = ks;
        while (j < end) {
          const c = text.charCodeAt(j);
          if (c === EQ || c === SP) break;
          j++;
        }
        if (j < end && text.charCodeAt(j) === EQ) {
          key = text.slice(ks, j);
          vs = j + 1;
        } else {
          key = '';
          vs = ks;
        }
      }
      // Value: up to the space before the next `key=`.
      let p = vs;
      let escaped = false;
      while (p < end) {
        const c = text.charCodeAt(p);
        if (c === BS) {
          escaped = true;
          p += p + 1 < end && isValidEscape(text.charCodeAt(p + 1)) ? 2 : 1;
          continue;
        }
        if (c === SP) {
          const q = keyEnd(text, p + 1, end);
          if (q > p + 1 && text.charCodeAt(q) === EQ) break;
        }
        p++;
      }
      if (p > end) p = end;
      let ve = p;
      while (ve > vs && text.charCodeAt(ve - 1) === SP) ve--;
      extensions.set(key, escaped ? unescapeValue(text, vs, ve) : text.slice(vs, ve));
      pos = p;
      while (pos < end && text.charCodeAt(pos) === SP) pos++;
    }
  }
  if (badEscape) problem ??= 'bad_escape';

  return makeEvent(
    version,
    fields[0] ?? '',
    fields[1] ?? '',
    fields[2] ?? '',
    fields[3] ?? '',
    fields[4] ?? '',
    fields[5] ?? '',
    extensions,
    problem,
  );
}
