// Table-driven tests: one subtest per line of test/fixtures/cef/samples.jsonl and rows.jsonl.
// Add a sample by adding a line; no test code to edit.
// samples.jsonl: {name, input, expected (CefEvent fields, extensions as an object; null = parseCef returns
//   undefined), cefStart? (expected cefStart(input)), fromStart? (expected parseCefAt(input, cefStart))}.
// rows.jsonl: {name, input, context {receivedAt, hostIp, syslog {timestamp, hostname, facility, severity}},
//   expected (a subset of row columns; null = absent)}. Times are ISO strings.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { cefStart, parseCef, parseCefAt } from '../../parsers/cef/index.ts';
import type { CefEvent } from '../../parsers/cef/index.ts';
import { COMMON_SECURITY_LOG_COLUMNS, commonSecurityLogJson, toCommonSecurityLogRow } from '../../parsers/tables/common-security-log.ts';
import { isoTime } from '../../parsers/tables/iso-time.ts';
import type { CommonSecurityLogContext, CommonSecurityLogRow } from '../../parsers/tables/common-security-log.ts';

const fixtures = new URL('../fixtures/cef/', import.meta.url);

function readJsonl(name: string): Record<string, unknown>[] {
  return readFileSync(new URL(name, fixtures), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function str(v: unknown): string {
  if (typeof v !== 'string') throw new TypeError(`expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function obj(v: unknown): Record<string, unknown> {
  if (typeof v !== 'object' || v === null) throw new TypeError('expected an object');
  return v as Record<string, unknown>;
}

const EVENT_KEYS: (keyof CefEvent)[] = [
  'version', 'deviceVendor', 'deviceProduct', 'deviceVersion', 'signatureId', 'name', 'severity', 'extensions', 'problem',
];

/** An event as plain JSON-like data, for comparison with a fixture. */
function plain(ev: CefEvent | undefined): unknown {
  if (ev === undefined) return null;
  return { ...ev, extensions: Object.fromEntries(ev.extensions), problem: ev.problem ?? null };
}

/** The one assertion checkEvent needs (structural, so it works with any tap Test). */
interface Same {
  same(found: unknown, wanted: unknown, message: string): boolean;
}

function checkEvent(t: Same, ev: CefEvent | undefined, want: unknown, label: string): void {
  if (ev !== undefined) t.same(Object.keys(ev), EVENT_KEYS, `${label}: fixed field order`);
  t.same(plain(ev), want, label);
}

for (const sample of readJsonl('samples.jsonl')) {
  void t.test(str(sample.name), async (t) => {
    const input = str(sample.input);
    checkEvent(t, parseCef(input), sample.expected, 'parseCef');
    if (sample.cefStart !== undefined) {
      const at = cefStart(input);
      t.equal(at, sample.cefStart, 'cefStart');
      if (sample.fromStart !== undefined) checkEvent(t, parseCefAt(input, at), sample.fromStart, 'parseCefAt(cefStart)');
    }
  });
}

const ROW_KEYS = COMMON_SECURITY_LOG_COLUMNS.map((c) => c.name);

function context(v: unknown): CommonSecurityLogContext {
  const c = obj(v);
  const s = obj(c.syslog);
  return {
    receivedAt: Date.parse(str(c.receivedAt)),
    hostIp: str(c.hostIp),
    syslog: {
      timestamp: s.timestamp === null ? undefined : Date.parse(str(s.timestamp)),
      hostname: s.hostname === null ? undefined : str(s.hostname),
      facility: Number(s.facility),
      severity: Number(s.severity),
    },
  };
}

for (const sample of readJsonl('rows.jsonl')) {
  void t.test(`row: ${str(sample.name)}`, async (t) => {
    const ev = parseCef(str(sample.input));
    if (ev === undefined) {
      t.fail('input is not CEF');
      return;
    }
    const row = toCommonSecurityLogRow(ev, context(sample.context));
    t.same(Object.keys(row), ROW_KEYS, 'fixed field order, matches COMMON_SECURITY_LOG_COLUMNS');
    const written = commonSecurityLogJson(ev, context(sample.context));
    t.equal(written.json, JSON.stringify(row), 'the worker\'s JSON is JSON.stringify of the row, byte for byte');
    t.equal(isoTime(written.time), row.TimeGenerated, 'with TimeGenerated as ms');
    for (const [key, want] of Object.entries(obj(sample.expected))) {
      if (!ROW_KEYS.includes(key)) t.fail(`fixture names unknown column ${key}`);
      t.equal(row[key as keyof CommonSecurityLogRow], want === null ? undefined : want, key);
    }
  });
}

void t.test('columns: unique, well-formed names, declared types match the values written', async (t) => {
  t.equal(new Set(ROW_KEYS).size, ROW_KEYS.length, 'no duplicate column');
  for (const name of ROW_KEYS) t.match(name, /^[A-Za-z][A-Za-z0-9_]{0,44}$/, `${name}: a valid column name`);
  const ev = parseCef(
    'CEF:0|a|b|c|d|e|f|rt=1659523775038 start=1659523775038 cnt=1 in=2 cfp1=1.5 cn1=7 externalId=9 spt=1 src=x unmapped=y',
  );
  if (ev === undefined) throw new Error('fixture is not CEF');
  const row = toCommonSecurityLogRow(ev, { receivedAt: 0, hostIp: '::1', syslog: { timestamp: undefined, hostname: undefined, facility: 1, severity: 5 } });
  const values = row as unknown as Record<string, unknown>;
  for (const { name, type } of COMMON_SECURITY_LOG_COLUMNS) {
    const v = values[name];
    if (v === undefined) continue;
    if (type === 'string') t.type(v, 'string', name);
    else if (type === 'datetime') t.ok(typeof v === 'string' && !Number.isNaN(Date.parse(v)), `${name}: ISO datetime`);
    else if (type === 'int') t.ok(Number.isInteger(v) && (v as number) <= 2_147_483_647, `${name}: int`);
    else if (type === 'long') t.ok(Number.isSafeInteger(v), `${name}: long`);
    else if (type === 'real') t.type(v, 'number', name);
    else t.fail(`${name}: unexpected column type ${type}`);
  }
});

void t.test('every built row carries only declared columns, in one fixed order', async (t) => {
  const declared = new Set(ROW_KEYS);
  for (const sample of [...readJsonl('samples.jsonl'), ...readJsonl('rows.jsonl')]) {
    const input = str(sample.input);
    const at = cefStart(input);
    const ev = at < 0 ? undefined : parseCefAt(input, at);
    if (ev === undefined) continue;
    const row = toCommonSecurityLogRow(ev, { receivedAt: Date.now(), hostIp: '192.0.2.1', syslog: { timestamp: undefined, hostname: 'h', facility: 1, severity: 5 } });
    const keys = Object.keys(row);
    t.same(keys, ROW_KEYS, `${str(sample.name)}: key order`);
    const wire = Object.keys(JSON.parse(JSON.stringify(row)) as Record<string, unknown>);
    t.same(wire.filter((k) => !declared.has(k)), [], `${str(sample.name)}: serialized columns are declared`);
  }
});

void t.test('never throws on hostile input', async (t) => {
  const inputs = [
    'CEF:', 'CEF:0', 'CEF:0|', 'CEF:0|\\', 'CEF:0|a|b|c|d|e|f|\\', 'CEF:0|a|b|c|d|e|f|=', 'CEF:0|a|b|c|d|e|f|= = =',
    'CEF:0|a|b|c|d|e|f| = a', 'CEF:0|a|b|c|d|e|f|a=\\', 'CEF:99999|a', 'CEF:0|a|b|c|d|e|f|rt=99999999999999999',
    'CEF:0|a|b|c|d|e|f|start=9999999999999999 end=Feb 30 2020 00:00:00 rt=Jan 1 99999 00:00:00',
    'CEF:0|a|b|c|d|e|f|cn1=-9223372036854775808 cfp1=1e999 fsize=-0', '\0CEF:0|', 'CEF:0|a|b|c|d|e|f|\0=\0',
  ];
  for (const input of inputs) {
    t.doesNotThrow(() => {
      const ev = parseCef(input);
      if (ev !== undefined) {
        JSON.stringify(toCommonSecurityLogRow(ev, { receivedAt: 0, hostIp: '::1', syslog: { timestamp: undefined, hostname: undefined, facility: 1, severity: 5 } }));
      }
    }, JSON.stringify(input));
  }
});
