// Conformance against third-party CEF vectors (../shared/corpus/cef from the repo root; see its README and
// SOURCES.md). Nothing from the corpus is copied into this repo.
// - liblognorm_cef_testvectors.jsonl: `expected.f` = header fields + Extensions must match; `unparsed-data` =
//   the input must be rejected (parseCef returns undefined or a problem code).
// - netty-codec-syslog_cef_testvectors.jsonl: CEF inside a BSD syslog line; header, extension and host match.
// - elastic-integrations/*.log and azure-sentinel/*.txt: sample lines; each non-blank line must parse without a
//   problem and build a row with declared columns only.
// A vector that disagrees fails unless it is listed, with the reason, in test/fixtures/cef/corpus-deviations.json;
// a listed vector that now agrees fails too, so the list stays accurate.
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cefStart, parseCefAt } from '../../parsers/cef/index.ts';
import type { CefEvent } from '../../parsers/cef/index.ts';
import { parseSyslog } from '../../parsers/syslog/index.ts';
import { COMMON_SECURITY_LOG_COLUMNS, commonSecurityLogJson, toCommonSecurityLogRow } from '../../parsers/tables/common-security-log.ts';

const CORPUS_URL = new URL('../../../shared/corpus/cef/', import.meta.url);
const RECEIVED_AT = Date.parse('2024-06-15T12:00:00.000Z');
const DECLARED = new Set(COMMON_SECURITY_LOG_COLUMNS.map((c) => c.name));

interface Vector {
  /** `<file>#<line>` (1-based), the key in corpus-deviations.json. */
  id: string;
  input: string;
  /** Disagreements with the upstream expectation (empty = agrees). */
  check(ev: CefEvent | undefined): string[];
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {};
}

function parseLine(line: string): CefEvent | undefined {
  const at = cefStart(line);
  return at < 0 ? undefined : parseCefAt(line, at);
}

function compare(diffs: string[], field: string, want: unknown, got: unknown): void {
  if (JSON.stringify(want) !== JSON.stringify(got)) diffs.push(`${field}: want ${JSON.stringify(want)} got ${JSON.stringify(got)}`);
}

function compareExtensions(diffs: string[], want: Record<string, unknown>, got: Map<string, string>): void {
  const keys = new Set([...Object.keys(want), ...got.keys()]);
  for (const k of keys) compare(diffs, `ext.${k}`, want[k], got.get(k));
}

function jsonlLines(file: string): { line: number; data: Record<string, unknown> }[] {
  return readFileSync(new URL(file, CORPUS_URL), 'utf8')
    .split('\n')
    .map((text, i) => ({ line: i + 1, text }))
    .filter(({ text }) => text.trim() !== '')
    .map(({ line, text }) => ({ line, data: JSON.parse(text) as Record<string, unknown> }));
}

function liblognormVectors(file: string): Vector[] {
  return jsonlLines(file).map(({ line, data }) => {
    const expected = obj(data.expected);
    const f = expected.f === undefined ? undefined : obj(expected.f);
    return {
      id: `${file}#${line}`,
      input: String(data.input),
      check(ev) {
        const diffs: string[] = [];
        if (f === undefined) {
          if (ev !== undefined && ev.problem === undefined) diffs.push('upstream rejects this input; we accept it without a problem');
          return diffs;
        }
        if (ev === undefined) return ['upstream parses this input; we say it is not CEF'];
        compare(diffs, 'problem', undefined, ev.problem);
        compare(diffs, 'DeviceVendor', f.DeviceVendor, ev.deviceVendor);
        compare(diffs, 'DeviceProduct', f.DeviceProduct, ev.deviceProduct);
        compare(diffs, 'DeviceVersion', f.DeviceVersion, ev.deviceVersion);
        compare(diffs, 'SignatureID', f.SignatureID, ev.signatureId);
        compare(diffs, 'Name', f.Name, ev.name);
        compare(diffs, 'Severity', f.Severity, ev.severity);
        compareExtensions(diffs, obj(f.Extensions), ev.extensions);
        return diffs;
      },
    };
  });
}

function nettyVectors(file: string): Vector[] {
  return jsonlLines(file).map(({ line, data }) => {
    const e = obj(data.expected);
    const input = String(data.input);
    return {
      id: `${file}#${line}`,
      input,
      check(ev) {
        if (ev === undefined) return ['no CEF found'];
        const diffs: string[] = [];
        compare(diffs, 'problem', undefined, ev.problem);
        compare(diffs, 'version', e.version, ev.version);
        compare(diffs, 'deviceVendor', e.deviceVendor, ev.deviceVendor);
        compare(diffs, 'deviceProduct', e.deviceProduct, ev.deviceProduct);
        compare(diffs, 'deviceVersion', e.deviceVersion, ev.deviceVersion);
        compare(diffs, 'deviceEventClassId', e.deviceEventClassId, ev.signatureId);
        compare(diffs, 'name', e.name, ev.name);
        compare(diffs, 'severity', e.severity, ev.severity);
        compareExtensions(diffs, obj(e.extension), ev.extensions);
        compare(diffs, 'host', e.host, parseSyslog(input, { receivedAt: RECEIVED_AT }).hostname);
        return diffs;
      },
    };
  });
}

function sampleVectors(file: string): Vector[] {
  const vectors: Vector[] = [];
  readFileSync(new URL(file, CORPUS_URL), 'utf8')
    .split('\n')
    .forEach((text, i) => {
      if (text.trim() === '') return;
      vectors.push({
        id: `${file}#${i + 1}`,
        input: text,
        check(ev) {
          if (ev === undefined) return ['no CEF found'];
          const diffs: string[] = [];
          compare(diffs, 'problem', undefined, ev.problem);
          if (ev.extensions.has('')) diffs.push('text outside key=value pairs');
          const syslog = parseSyslog(text, { receivedAt: RECEIVED_AT });
          const hostname = syslog.format === 'unparsed' ? undefined : syslog.hostname;
          const context = {
            receivedAt: RECEIVED_AT,
            hostIp: '192.0.2.1',
            syslog: { timestamp: syslog.timestamp, hostname, facility: syslog.facility, severity: syslog.severity },
          };
          const row = toCommonSecurityLogRow(ev, context);
          if (commonSecurityLogJson(ev, context).json !== JSON.stringify(row)) diffs.push('the worker\'s JSON differs from JSON.stringify of the row');
          const undeclared = Object.keys(JSON.parse(JSON.stringify(row)) as Record<string, unknown>).filter((k) => !DECLARED.has(k));
          if (undeclared.length > 0) diffs.push(`undeclared columns ${undeclared.join(',')}`);
          compare(diffs, 'Computer', hostname ?? '192.0.2.1', row.Computer);
          return diffs;
        },
      });
    });
  return vectors;
}

function listDir(dir: string, ext: RegExp): string[] {
  return readdirSync(new URL(dir, CORPUS_URL))
    .filter((name) => ext.test(name))
    .sort()
    .map((name) => `${dir}${name}`);
}

if (!existsSync(CORPUS_URL)) {
  t.plan(0, `CEF corpus not found at ${fileURLToPath(CORPUS_URL)} (expected ../shared/corpus/cef next to the repo)`);
} else {
  const deviations = JSON.parse(
    readFileSync(new URL('../fixtures/cef/corpus-deviations.json', import.meta.url), 'utf8'),
  ) as Record<string, string>;
  const files: [string, Vector[]][] = [
    ['liblognorm_cef_testvectors.jsonl', liblognormVectors('liblognorm_cef_testvectors.jsonl')],
    ['netty-codec-syslog_cef_testvectors.jsonl', nettyVectors('netty-codec-syslog_cef_testvectors.jsonl')],
    ...listDir('elastic-integrations/', /\.log$/).map((f): [string, Vector[]] => [f, sampleVectors(f)]),
    ...listDir('azure-sentinel/', /\.txt$/).map((f): [string, Vector[]] => [f, sampleVectors(f)]),
  ];
  const seen = new Set<string>();
  let totalAgreed = 0;
  let totalVectors = 0;

  for (const [file, vectors] of files) {
    void t.test(file, async (t) => {
      let agreed = 0;
      let deviated = 0;
      for (const v of vectors) {
        seen.add(v.id);
        const diffs = v.check(parseLine(v.input));
        const reason = deviations[v.id];
        if (diffs.length === 0) {
          agreed++;
          if (reason !== undefined) t.fail(`${v.id} is listed as a deviation but now agrees; remove it`);
        } else if (reason !== undefined) {
          deviated++;
        } else {
          t.fail(`${v.id} ${JSON.stringify(v.input.slice(0, 120))}: ${diffs.join('; ')}`);
        }
      }
      totalAgreed += agreed;
      totalVectors += vectors.length;
      t.comment(`${file}: ${agreed}/${vectors.length} agree, ${deviated} listed deviations`);
      t.pass(`${file}: ${vectors.length} vectors checked`);
    });
  }

  void t.test('every listed deviation names a known vector', async (t) => {
    for (const id of Object.keys(deviations)) if (!seen.has(id)) t.fail(`unknown vector id ${id}`);
    t.comment(`overall: ${totalAgreed}/${totalVectors} agree (${((100 * totalAgreed) / Math.max(1, totalVectors)).toFixed(1)}%), ${Object.keys(deviations).length} listed deviations`);
    t.pass(`${Object.keys(deviations).length} deviations listed`);
  });
}
