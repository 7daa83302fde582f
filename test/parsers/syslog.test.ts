// Table-driven tests: one subtest per line of test/fixtures/syslog/samples.jsonl and rows.jsonl.
// Add a sample by adding a line; no test code to edit. In expected values, null means undefined and
// `timestamp` is an ISO string.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { parseSyslog } from '../../parsers/syslog/index.ts';
import type { SyslogMessage } from '../../parsers/syslog/index.ts';
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
  'structuredData', 'message', 'problem',
];

for (const sample of readJsonl('samples.jsonl')) {
  void t.test(str(sample.name), async (t) => {
    const receivedAt = Date.parse(str(sample.receivedAt));
    const msg = parseSyslog(str(sample.input), { receivedAt });
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
    const msg = parseSyslog(str(sample.input), { receivedAt });
    const row = toSyslogRow(msg, { hostIp: str(ctx.hostIp), receivedAt, truncated: ctx.truncated === true });
    t.same(Object.keys(row), ROW_KEYS, 'fixed field order, matches SYSLOG_COLUMNS');
    for (const [key, want] of Object.entries(obj(sample.expected))) {
      t.equal(row[key as keyof SyslogRow], want === null ? undefined : want, key);
    }
  });
}

void t.test('never throws on hostile input', async (t) => {
  const inputs = ['<', '<>', '<1', '<1>', '<1>1', '<1>1 ', '<1>1 - - - - - [', '<1>1 - - - - - [a', '<1>1 - - - - - [a "', '*', 'Jan', 'Jan 1', 'Jan 1 00:00', '0000-00-00T', '<999999999>x', '\0\0\0'];
  for (const input of inputs) {
    const msg = parseSyslog(input, { receivedAt: 0 });
    t.ok(typeof msg.message === 'string', JSON.stringify(input));
    t.doesNotThrow(() => toSyslogRow(msg, { hostIp: '::1', receivedAt: 0, truncated: false }));
  }
});
