// Table-driven tests: one subtest per line of the JSONL fixtures in test/fixtures/syslog/:
// samples.jsonl (text → SyslogMessage; optional `timeZone`), rows.jsonl (text or `inputHex` bytes →
// Syslog row), decode.jsonl (hex bytes → decodeFrame), structured-data.jsonl (raw SD →
// parseStructuredData), time-zones.jsonl (name → validTimeZone). Add a sample by adding a line; no test
// code to edit. In expected values, null means undefined and `timestamp` is an ISO string.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { createParser, decodeFrame, parseStructuredData, parseSyslog, validTimeZone } from '../../parsers/syslog/index.ts';
import type { SyslogMessage } from '../../parsers/syslog/index.ts';
import { resolveTimeZone } from '../../parsers/syslog/timezone.ts';
import { SYSLOG_COLUMNS, toSyslogRow } from '../../parsers/tables/syslog.ts';
import type { SyslogRow } from '../../parsers/tables/syslog.ts';

const fixtures = new URL('../fixtures/syslog/', import.meta.url);

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

const MESSAGE_KEYS: (keyof SyslogMessage)[] = [
  'format', 'facility', 'severity', 'hasPri', 'timestamp', 'hostname', 'appName', 'procId', 'msgId',
  'structuredData', 'message', 'problem', 'repeated',
];

for (const sample of readJsonl('samples.jsonl')) {
  void t.test(str(sample.name), async (t) => {
    const receivedAt = Date.parse(str(sample.receivedAt));
    const timeZone = sample.timeZone === undefined ? undefined : str(sample.timeZone);
    const msg = parseSyslog(str(sample.input), { receivedAt, timeZone });
    if (timeZone !== undefined && validTimeZone(timeZone)) t.same(createParser({ timeZone })(str(sample.input), receivedAt), msg, 'createParser agrees');
    t.same(Object.keys(msg), MESSAGE_KEYS, 'fixed field order');
    for (const [key, want] of Object.entries(obj(sample.expected))) {
      const got: unknown = msg[key as keyof SyslogMessage];
      if (key === 'timestamp' && typeof want === 'string') {
        t.equal(got === undefined ? undefined : new Date(got as number).toISOString(), want, key);
      } else {
        t.equal(got, want === null ? undefined : want, key);
      }
    }
  });
}

const ROW_KEYS = SYSLOG_COLUMNS.map((c) => c.name);

for (const sample of readJsonl('rows.jsonl')) {
  void t.test(`row: ${str(sample.name)}`, async (t) => {
    const ctx = obj(sample.context);
    const receivedAt = Date.parse(str(ctx.receivedAt));
    let text: string;
    let invalidUtf8 = false;
    if (sample.inputHex === undefined) {
      text = str(sample.input);
    } else {
      // Bytes on the wire, decoded as the worker does.
      const bytes = Buffer.from(str(sample.inputHex), 'hex');
      ({ text, invalid: invalidUtf8 } = decodeFrame(bytes, 0, bytes.length));
    }
    const msg = parseSyslog(text, { receivedAt });
    const row = toSyslogRow(msg, { hostIp: str(ctx.hostIp), receivedAt, truncated: ctx.truncated === true, invalidUtf8 });
    t.same(Object.keys(row), ROW_KEYS, 'fixed field order, matches SYSLOG_COLUMNS');
    for (const [key, want] of Object.entries(obj(sample.expected))) {
      t.equal(row[key as keyof SyslogRow], want === null ? undefined : want, key);
    }
  });
}

for (const sample of readJsonl('decode.jsonl')) {
  void t.test(`decode: ${str(sample.name)}`, async (t) => {
    const bytes = Buffer.from(str(sample.hex), 'hex');
    const want = { text: str(sample.text), invalid: sample.invalid === true };
    t.same(decodeFrame(bytes, 0, bytes.length), want, 'whole buffer');
    // The same bytes inside a larger frame buffer, as plain Uint8Array (not a Buffer).
    const framed = new Uint8Array(bytes.length + 4);
    framed.set([0x3c, 0x31], 0);
    framed.set(bytes, 2);
    framed.set([0x0a, 0xff], bytes.length + 2);
    t.same(decodeFrame(framed, 2, bytes.length + 2), want, 'slice of a Uint8Array');
  });
}

for (const sample of readJsonl('structured-data.jsonl')) {
  void t.test(`structured data: ${str(sample.name)}`, async (t) => {
    const want = sample.expected === null ? undefined : sample.expected;
    t.same(parseStructuredData(str(sample.raw)), want);
  });
}

for (const sample of readJsonl('time-zones.jsonl')) {
  void t.test(`time zone: ${str(sample.name)}`, async (t) => {
    t.equal(validTimeZone(str(sample.name)), sample.valid === true);
    if (sample.valid !== true) t.throws(() => createParser({ timeZone: str(sample.name) }), RangeError);
  });
}

void t.test('cached zone offsets equal Intl for every hour of 2024 and 2025', async (t) => {
  // The cache must agree with a direct Intl lookup at every hour boundary and mid-hour, DST days included.
  for (const name of ['Europe/Berlin', 'America/New_York', 'Australia/Lord_Howe', 'Asia/Kathmandu', 'America/Santiago']) {
    const zone = resolveTimeZone(name);
    if (zone === undefined) {
      t.fail(`${name} unknown`);
      continue;
    }
    const fmt = new Intl.DateTimeFormat('en-US', {
      timeZone: name, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric',
      hour: 'numeric', minute: 'numeric', second: 'numeric',
    });
    const intl = (ms: number): number => {
      const p: Record<string, number> = {};
      for (const part of fmt.formatToParts(ms)) p[part.type] = Number(part.value);
      return Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0) - ms;
    };
    let bad = 0;
    for (let ms = Date.UTC(2024, 0, 1); ms < Date.UTC(2026, 0, 1); ms += 1_800_000) {
      if (zone.offsetAt(ms) !== intl(ms)) bad++;
      // Round trip: a wall time that exists once maps back to the same instant.
      const wall = ms + intl(ms);
      const back = zone.toUtc(wall);
      if (intl(back) + back !== wall) bad++;
    }
    t.equal(bad, 0, name);
  }
});

void t.test('never throws on hostile input', async (t) => {
  const inputs = ['<', '<>', '<1', '<1>', '<1>1', '<1>1 ', '<1>1 - - - - - [', '<1>1 - - - - - [a', '<1>1 - - - - - [a "', '*', 'Jan', 'Jan 1', 'Jan 1 00:00', '0000-00-00T', '<999999999>x', '\0\0\0'];
  for (const input of inputs) {
    const msg = parseSyslog(input, { receivedAt: 0 });
    t.ok(typeof msg.message === 'string', JSON.stringify(input));
    t.doesNotThrow(() => toSyslogRow(msg, { hostIp: '::1', receivedAt: 0, truncated: false }));
  }
});
