// Table-driven tests: one subtest per line of test/fixtures/aws-cloudtrail/samples.jsonl (a record → its
// AWSCloudTrail row, ASIM AuditEvent row and ASIM Authentication row) and of documents.jsonl (JSON text →
// parseJsonSafely → cloudTrailRecordsOf → outcomes). Add a sample by adding a line; no test code to edit.
//
// Expected rows are SUBSETS of the row as it goes on the wire (JSON.stringify, so empty fields are absent): a key
// with a value must be equal, a key with `null` must be absent, keys not named are not checked. Samples whose
// name starts with "verb row" cover reference/asim.md §7.1 one row each; a test below proves every row is covered.
import t from 'tap';
import type { Test } from 'tap';
import { readFileSync } from 'node:fs';
import {
  ASIM_AUDIT_EVENT_COLUMNS,
  ASIM_AUDIT_EVENT_NATIVE_TRANSFORM,
  ASIM_AUDIT_EVENT_QUERY_TIME_COLUMNS,
  ASIM_AUDIT_EVENT_SCHEMA,
  AUDIT_EVENT_TYPES,
  auditVerbLookup,
  emptyAuditEventRow,
} from '../../parsers/asim/audit-event.ts';
import { ASIM_AUTHENTICATION_COLUMNS } from '../../parsers/asim/authentication.ts';
import type { ColumnType } from '../../parsers/tables/syslog.ts';
import { AWS_CLOUDTRAIL_COLUMNS, toAwsCloudTrailRow } from '../../parsers/tables/aws-cloudtrail.ts';
import {
  CLOUDTRAIL_VERBS,
  DOCUMENT_INVALID_REASONS,
  DOCUMENT_SKIP_REASONS,
  INVALID_REASONS,
  SKIP_REASONS,
  cloudTrailRecordsOf,
  cloudTrailVerbRule,
  normalizeCloudTrail,
  parseJsonSafely,
} from '../../parsers/aws-cloudtrail/index.ts';
import type { CloudTrailOutcome, CloudTrailRecord } from '../../parsers/aws-cloudtrail/index.ts';

type Subset = Record<string, unknown>;

interface Sample {
  name: string;
  input: unknown;
  outcome?: { kind: 'skip' | 'invalid'; reason: string };
  awsCloudTrail?: Subset;
  auditEvent?: Subset | null;
  authentication?: Subset | null;
}

interface DocumentSample {
  name: string;
  text: string;
  expected: { parse: 'ok' | 'error'; records: number; skipped: string | null; invalid: string | null; outcomes: string[]; value?: unknown };
}

function readJsonl<T>(name: string): T[] {
  return readFileSync(new URL(`../fixtures/aws-cloudtrail/${name}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

const samples = readJsonl<Sample>('samples.jsonl');
const documents = readJsonl<DocumentSample>('documents.jsonl');
const RECEIVED_AT = Date.UTC(2024, 2, 5, 7, 10, 0);

/** The row as the Logs Ingestion API receives it. */
function wire(row: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(row)) as Record<string, unknown>;
}

function checkSubset(t: Test, label: string, row: object | undefined, expected: Subset | null | undefined): void {
  if (expected === undefined) return;
  if (expected === null) {
    t.equal(row, undefined, `${label}: no row`);
    return;
  }
  if (row === undefined) {
    t.fail(`${label}: expected a row, got none`);
    return;
  }
  const got = wire(row);
  for (const [key, want] of Object.entries(expected)) {
    if (want === null) t.notOk(key in got, `${label}.${key} is empty (got ${JSON.stringify(got[key])})`);
    else t.same(got[key], want, `${label}.${key}`);
  }
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$/;

/** Every key in column order, and every present value of its column's type. */
function checkShape(t: Test, label: string, row: object, columns: ReadonlyArray<{ name: string; type: ColumnType }>): void {
  t.same(Object.keys(row), columns.map((c) => c.name), `${label}: keys in column order`);
  const values = row as Record<string, unknown>;
  for (const { name, type } of columns) {
    const v = values[name];
    if (v === undefined) continue;
    let ok: boolean;
    switch (type) {
      case 'string': ok = typeof v === 'string' && v !== ''; break;
      case 'datetime': ok = typeof v === 'string' && ISO.test(v); break;
      case 'int': ok = Number.isInteger(v); break;
      case 'long': ok = Number.isInteger(v); break;
      case 'real': ok = typeof v === 'number'; break;
      case 'boolean': ok = typeof v === 'boolean'; break;
      case 'dynamic': ok = typeof v === 'object' && v !== null; break;
    }
    if (!ok) t.fail(`${label}.${name}: ${JSON.stringify(v)} is not a ${type}`);
  }
}

function kindOf(o: CloudTrailOutcome): string {
  return o.kind;
}

for (const sample of samples) {
  void t.test(sample.name, async (t) => {
    const outcome = normalizeCloudTrail(sample.input, RECEIVED_AT);
    if (sample.outcome !== undefined) {
      t.same({ kind: outcome.kind, reason: outcome.kind === 'rows' ? undefined : outcome.reason }, sample.outcome, 'outcome');
      return;
    }
    if (outcome.kind !== 'rows') {
      t.fail(`expected rows, got ${outcome.kind} ${outcome.reason}`);
      return;
    }
    checkShape(t, 'AWSCloudTrail', outcome.awsCloudTrail, AWS_CLOUDTRAIL_COLUMNS);
    if (outcome.auditEvent !== undefined) checkShape(t, 'AuditEvent', outcome.auditEvent, ASIM_AUDIT_EVENT_COLUMNS);
    if (outcome.authentication !== undefined) checkShape(t, 'Authentication', outcome.authentication, ASIM_AUTHENTICATION_COLUMNS);
    checkSubset(t, 'AWSCloudTrail', outcome.awsCloudTrail, sample.awsCloudTrail);
    checkSubset(t, 'AuditEvent', outcome.auditEvent, sample.auditEvent);
    checkSubset(t, 'Authentication', outcome.authentication, sample.authentication);
    // Every ASIM row carries the four identity fields (STYLE §3).
    for (const row of [outcome.auditEvent, outcome.authentication]) {
      if (row === undefined) continue;
      t.ok(row.EventSchema !== undefined && row.EventSchemaVersion !== '' && row.EventVendor === 'AWS' && row.EventProduct === 'CloudTrail', 'schema, version, vendor, product set');
    }
    if (outcome.auditEvent !== undefined) {
      const a = outcome.auditEvent;
      t.ok(AUDIT_EVENT_TYPES.includes(a.EventType), 'EventType is in the schema enum');
      t.ok(a.Operation !== undefined && a.Object !== undefined && a.ObjectType !== undefined, 'Mandatory Operation, Object, ObjectType set');
    }
    // The table-only entry point agrees with the full one.
    const record = sample.input as CloudTrailRecord;
    t.same(toAwsCloudTrailRow(record, RECEIVED_AT), outcome.awsCloudTrail, 'toAwsCloudTrailRow = normalizeCloudTrail().awsCloudTrail');
  });
}

for (const d of documents) {
  void t.test(`document: ${d.name}`, async (t) => {
    const parsed = parseJsonSafely(d.text);
    t.equal(parsed.ok ? 'ok' : 'error', d.expected.parse, 'parse');
    if (!parsed.ok) {
      t.ok(parsed.error.length > 0, 'error message');
      return;
    }
    if (d.expected.value !== undefined) t.same(parsed.value, d.expected.value, 'value after stripping');
    t.equal(({} as Record<string, unknown>).polluted, undefined, 'Object.prototype untouched');
    const split = cloudTrailRecordsOf(parsed.value);
    t.equal(split.records.length, d.expected.records, 'records');
    t.equal(split.skipped ?? null, d.expected.skipped, 'skipped');
    t.equal(split.invalid ?? null, d.expected.invalid, 'invalid');
    t.same(split.records.map((r) => kindOf(normalizeCloudTrail(r, RECEIVED_AT))), d.expected.outcomes, 'outcomes');
  });
}

void t.test('every row of the §7.1 verb table has a sample that selects it, with the asimd EventType', async (t) => {
  const covered = new Map<string, string>();
  for (const s of samples) {
    if (!s.name.startsWith('verb row ')) continue;
    const name = (s.input as CloudTrailRecord).eventName;
    if (typeof name !== 'string') continue;
    const rule = cloudTrailVerbRule(name);
    if (rule !== undefined) covered.set(rule.row, name);
  }
  for (const rule of CLOUDTRAIL_VERBS) t.ok(covered.has(rule.row), `row ${rule.row} (${rule.kind} ${rule.match}) covered by ${covered.get(rule.row) ?? 'nothing'}`);
  t.ok(samples.some((s) => s.name.startsWith('verb row - ')), 'the Other fallback is covered');
});

void t.test('verb table: asimd types are in the enum; deviations are exactly the parser values outside it (B2, B8)', async (t) => {
  for (const rule of CLOUDTRAIL_VERBS) {
    t.ok(AUDIT_EVENT_TYPES.includes(rule.type), `${rule.match} → ${rule.type}`);
    const inEnum = (AUDIT_EVENT_TYPES as readonly string[]).includes(rule.parserType);
    t.equal(rule.deviation !== undefined, !inEnum, `${rule.match}: deviation marked iff parser value ${rule.parserType} is outside the enum`);
    if (inEnum) t.equal(rule.type, rule.parserType, `${rule.match}: parity`);
  }
});

void t.test('auditVerbLookup: first match wins, exact vs prefix, fallback', async (t) => {
  const lookup = auditVerbLookup([
    { match: 'Get', kind: 'prefix', type: 'Read' },
    { match: 'GetAndDelete', kind: 'prefix', type: 'Delete' },
    { match: 'Run', kind: 'exact', type: 'Execute' },
    { match: 'R', kind: 'prefix', type: 'Set' },
  ]);
  t.equal(lookup('GetAndDeleteThing'), 'Read', 'earlier prefix wins');
  t.equal(lookup('Run'), 'Execute');
  t.equal(lookup('RunMore'), 'Set', 'exact does not match a longer name');
  t.equal(lookup(''), 'Other');
  t.equal(lookup('xyz'), 'Other');
  t.equal(auditVerbLookup([], 'Set')('anything'), 'Set', 'custom fallback');
});

void t.test('columns', async (t) => {
  const NAME = /^[A-Za-z][A-Za-z0-9_]{0,44}$/;
  const RESERVED = new Set(['_ResourceId', 'id', '_SubscriptionId', 'TenantId', 'Type', 'UniqueId', 'Title', 'SourceSystem']);
  for (const [label, cols] of [['AWSCloudTrail', AWS_CLOUDTRAIL_COLUMNS], ['ASimAuditEventLogs', ASIM_AUDIT_EVENT_COLUMNS]] as const) {
    const names = cols.map((c) => c.name);
    t.equal(new Set(names).size, names.length, `${label}: names unique`);
    for (const n of names) {
      t.ok(NAME.test(n), `${label}.${n}: valid column name`);
      t.notOk(RESERVED.has(n), `${label}.${n}: not a system/reserved column`);
    }
    t.equal(cols[0]?.name, 'TimeGenerated', `${label}: TimeGenerated first`);
    t.equal(cols[0]?.type, 'datetime');
  }
  t.equal(ASIM_AUDIT_EVENT_COLUMNS.find((c) => c.name === 'AdditionalFields')?.type, 'dynamic', 'AdditionalFields is dynamic');
  for (const n of ['ReadOnly', 'ManagementEvent', 'SessionMfaAuthenticated']) t.equal(AWS_CLOUDTRAIL_COLUMNS.find((c) => c.name === n)?.type, 'boolean', `${n} is bool`);
  t.equal(AWS_CLOUDTRAIL_COLUMNS.find((c) => c.name === 'SessionCreationDate')?.type, 'datetime');
  for (const n of ['RequestParameters', 'ResponseElements', 'AdditionalEventData', 'Resources', 'ServiceEventDetails']) {
    t.equal(AWS_CLOUDTRAIL_COLUMNS.find((c) => c.name === n)?.type, 'string', `${n} is a string column (JSON text)`);
  }
  const names = new Set(ASIM_AUDIT_EVENT_COLUMNS.map((c) => c.name));
  for (const q of ASIM_AUDIT_EVENT_QUERY_TIME_COLUMNS) t.ok(names.has(q), `query-time column ${q} is a row column`);
  t.ok(ASIM_AUDIT_EVENT_NATIVE_TRANSFORM.startsWith('source | project-away '), 'native transform');
  t.ok(ASIM_AUDIT_EVENT_NATIVE_TRANSFORM.length <= 15_360, 'transform within the DCR limit');
  t.same(ASIM_AUDIT_EVENT_SCHEMA, { schema: 'AuditEvent', version: '0.1', table: 'ASimAuditEventLogs', stream: 'Custom-ASimAuditEventLogs', outputStream: 'Microsoft-ASimAuditEventLogs' }, 'schema constant (B6)');
  const empty = emptyAuditEventRow('2024-03-05T07:08:09Z', 'AWS', 'CloudTrail', 'Set', 'Success');
  t.same(Object.keys(empty), [...names], 'emptyAuditEventRow builds every key in column order');
  t.same(wire(empty), {
    TimeGenerated: '2024-03-05T07:08:09Z', EventSchema: 'AuditEvent', EventSchemaVersion: '0.1', EventVendor: 'AWS', EventProduct: 'CloudTrail', EventType: 'Set',
    EventResult: 'Success', EventCount: 1, EventStartTime: '2024-03-05T07:08:09Z', EventEndTime: '2024-03-05T07:08:09Z',
  }, 'only Mandatory fields from the arguments are set');
});

void t.test('reason lists cover every outcome the samples produce', async (t) => {
  for (const s of samples) {
    if (s.outcome === undefined) continue;
    const list: readonly string[] = s.outcome.kind === 'skip' ? SKIP_REASONS : INVALID_REASONS;
    t.ok(list.includes(s.outcome.reason), `${s.outcome.kind} reason ${s.outcome.reason} is listed`);
  }
  for (const d of documents) {
    if (d.expected.skipped !== null) t.ok((DOCUMENT_SKIP_REASONS as readonly string[]).includes(d.expected.skipped), d.expected.skipped);
    if (d.expected.invalid !== null) t.ok((DOCUMENT_INVALID_REASONS as readonly string[]).includes(d.expected.invalid), d.expected.invalid);
  }
});

void t.test('hostile field types never throw', async (t) => {
  const weird: unknown[] = [
    { eventTime: '2024-03-05T07:08:09Z', eventName: 'CreateUser', eventSource: 'iam.amazonaws.com', userIdentity: 'root', resources: 'arn:aws:s3:::b', requestParameters: [1, 2], responseElements: 7, additionalEventData: 'x', tlsDetails: [] },
    { eventTime: '2024-03-05T07:08:09Z', eventName: 'ConsoleLogin', eventSource: 'signin.amazonaws.com', userIdentity: { type: 5, sessionContext: 'x' }, responseElements: 'Success', additionalEventData: [] },
    { eventTime: '2024-03-05T07:08:09Z', eventName: 'CreateUser', eventSource: 'iam.amazonaws.com', resources: [null, 1, { ARN: 5 }, { ARN: '' }], requestParameters: { ipPermissions: { items: 'x' } } },
    { eventTime: { $date: 1 }, eventName: 'A', eventSource: 'b' },
  ];
  for (const w of weird) {
    t.doesNotThrow(() => {
      const o = normalizeCloudTrail(w, RECEIVED_AT);
      JSON.stringify(o);
    });
  }
});
