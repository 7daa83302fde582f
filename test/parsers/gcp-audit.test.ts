// Table-driven tests: one subtest per line of test/fixtures/gcp-audit/samples.jsonl. Add a sample by adding a line;
// no test code to edit. `input` is a document as it arrives (a LogEntry, an array, a Pub/Sub push body, a
// CloudEvent); it goes through gcpLogEntriesOf, then each entry through normalizeGcpAuditEntry. `expected` holds the
// document's `invalid` and `subscription`, and one outcome per entry: for rows, a subset of the GCPAuditLogs row and
// a subset of the ASIM AuditEvent row as JSON (a key with `null` must be empty), or a skip/invalid reason. Every
// row is also checked against its columns (keys, order, types) and the schema's allowed values.
import t from 'tap';
import type { Test } from 'tap';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { ASIM_AUDIT_EVENT_COLUMNS, AUDIT_EVENT_TYPES } from '../../parsers/asim/audit-event.ts';
import type { AsimAuditEventRow } from '../../parsers/asim/audit-event.ts';
import { GCP_AUDIT_LOGS_COLUMNS, toGcpAuditLogsRow } from '../../parsers/tables/gcp-audit-logs.ts';
import type { GcpAuditLogsRow } from '../../parsers/tables/gcp-audit-logs.ts';
import {
  ENVELOPE_INVALID_REASONS,
  GCP_AUDIT_STREAM_SCHEMA,
  INVALID_REASONS,
  SKIP_REASONS,
  gcpLogEntriesOf,
  normalizeGcpAuditEntry,
} from '../../parsers/gcp-audit/index.ts';
import type { GcpAuditOutcome } from '../../parsers/gcp-audit/index.ts';
import { AUDIT_LOG_TYPES, GCP_VERB_RULES, methodVerbSegment } from '../../parsers/gcp-audit/tables.ts';

type Subset = Record<string, unknown>;
type ExpectedOutcome = { kind: 'rows'; gcpAuditLogs: Subset; auditEvent: Subset } | { kind: 'skip' | 'invalid'; reason: string };
interface Sample {
  name: string;
  receivedAt: string;
  input: unknown;
  expected: { invalid: string | null; subscription: string | null; outcomes: ExpectedOutcome[] };
}

const samples = readFileSync(new URL('../fixtures/gcp-audit/samples.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Sample);

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** Every key in column order; each non-empty value has its column's type. */
function checkColumns(t: Test, row: object, columns: ReadonlyArray<{ name: string; type: string }>, label: string): void {
  t.same(Object.keys(row), columns.map((c) => c.name), `${label}: all keys, in column order`);
  const values = row as Record<string, unknown>;
  for (const { name, type } of columns) {
    const value = values[name];
    if (value === undefined) continue;
    if (type === 'string') t.ok(typeof value === 'string' && value !== '', `${label}.${name} is a non-empty string`);
    else if (type === 'datetime') t.ok(typeof value === 'string' && ISO.test(value) && new Date(value).toISOString() === value, `${label}.${name} is an ISO datetime`);
    else if (type === 'int') t.ok(Number.isInteger(value), `${label}.${name} is an int`);
    else if (type === 'dynamic') t.not(value, null, `${label}.${name} is a JSON value`);
    else t.fail(`${label}.${name}: unexpected value for column type ${type}`);
  }
}

// Allowed values (reference/asim.md §2, §4, §9).
const ALLOWED: Record<string, readonly string[]> = {
  EventSchema: ['AuditEvent'],
  EventSchemaVersion: ['0.1'],
  EventVendor: ['GCP'],
  EventProduct: ['Cloud Audit Logs'],
  Dvc: ['Cloud Audit Logs'],
  EventType: AUDIT_EVENT_TYPES,
  EventSubType: [...AUDIT_LOG_TYPES.values()],
  EventResult: ['Success', 'Failure'],
  EventSeverity: ['Informational', 'Low'],
  ObjectType: ['Cloud Resource', 'Other'],
  ActorUsernameType: ['UPN', 'Simple'],
  ActorUserType: ['Regular', 'Service'],
  TargetAppType: ['Service'],
};
const MANDATORY = ['EventCount', 'EventStartTime', 'EventEndTime', 'EventType', 'EventResult', 'EventProduct', 'EventVendor', 'EventSchema', 'EventSchemaVersion', 'Dvc', 'Operation', 'Object', 'ObjectType'];

function checkAuditEvent(t: Test, row: AsimAuditEventRow, table: GcpAuditLogsRow): void {
  checkColumns(t, row, ASIM_AUDIT_EVENT_COLUMNS, 'AuditEvent');
  const values = row as unknown as Record<string, unknown>;
  for (const [key, allowed] of Object.entries(ALLOWED)) {
    const value = values[key];
    if (value !== undefined) t.ok(allowed.includes(value as string), `${key} ${JSON.stringify(value)} is allowed`);
  }
  for (const key of MANDATORY) t.not(values[key], undefined, `${key} (Mandatory) is set`);
  t.equal(row.TimeGenerated, table.Timestamp, 'TimeGenerated = the LogEntry timestamp');
  t.equal(row.EventStartTime, row.TimeGenerated, 'EventStartTime = TimeGenerated');
  t.equal(row.EventEndTime, row.TimeGenerated, 'EventEndTime = TimeGenerated');
  t.equal(row.Operation, table.MethodName, 'Operation = methodName');
  t.equal(row.EventOriginalType, table.MethodName, 'EventOriginalType = methodName');
  t.equal(row.EventSeverity, row.EventResult === 'Success' ? 'Informational' : 'Low', 'EventSeverity follows EventResult');
  t.equal(row.User, row.ActorUsername, 'alias User = ActorUsername');
  t.equal(row.Application, row.TargetAppName, 'alias Application = TargetAppName');
  t.equal(row.IpAddr, row.SrcIpAddr ?? row.TargetIpAddr, 'alias IpAddr = SrcIpAddr, else TargetIpAddr');
  t.equal(row.Src, row.SrcIpAddr, 'alias Src = SrcIpAddr');
  if (row.SrcIpAddr !== undefined) t.not(isIP(row.SrcIpAddr), 0, 'SrcIpAddr is an IP address');
}

/** Each key of `want` equals the row's value as JSON; `null` means empty. */
function checkSubset(t: Test, row: object, want: Subset, label: string): void {
  const got = JSON.parse(JSON.stringify(row)) as Record<string, unknown>;
  for (const [key, value] of Object.entries(want)) {
    t.ok(Object.hasOwn(row, key), `${label}.${key} is a column`);
    if (value === null) t.equal(got[key], undefined, `${label}.${key} is empty`);
    else t.strictSame(got[key], value, `${label}.${key}`);
  }
}

function run(sample: Sample): { invalid: string | undefined; subscription: string | undefined; outcomes: GcpAuditOutcome[] } {
  const receivedAt = Date.parse(sample.receivedAt);
  const { entries, invalid, subscription } = gcpLogEntriesOf(sample.input);
  return { invalid, subscription, outcomes: entries.map((e) => normalizeGcpAuditEntry(e, receivedAt, subscription)) };
}

for (const sample of samples) {
  void t.test(sample.name, async (t) => {
    const got = run(sample);
    const want = sample.expected;
    t.equal(got.invalid, want.invalid ?? undefined, 'document: invalid');
    t.equal(got.subscription, want.subscription ?? undefined, 'document: subscription');
    t.equal(got.outcomes.length, want.outcomes.length, 'one outcome per LogEntry');
    want.outcomes.forEach((w, i) => {
      const o = got.outcomes[i];
      if (o === undefined) return;
      if (w.kind !== 'rows') {
        t.same(o, { kind: w.kind, reason: w.reason }, `entry ${i}: ${w.kind} ${w.reason}`);
        return;
      }
      if (o.kind !== 'rows') {
        t.fail(`entry ${i}: expected rows, got ${o.kind} ${o.reason}`);
        return;
      }
      checkColumns(t, o.gcpAuditLogs, GCP_AUDIT_LOGS_COLUMNS, 'GCPAuditLogs');
      checkSubset(t, o.gcpAuditLogs, w.gcpAuditLogs, 'GCPAuditLogs');
      if (o.auditEvent === undefined) {
        t.fail(`entry ${i}: no AuditEvent row`);
        return;
      }
      checkAuditEvent(t, o.auditEvent, o.gcpAuditLogs);
      checkSubset(t, o.auditEvent, w.auditEvent, 'AuditEvent');
    });
  });
}

void t.test('coverage: every verb rule, log type and reason has a sample', async (t) => {
  const methods = new Set<string>();
  const subTypes = new Set<unknown>();
  const reasons = new Set<string>();
  for (const s of samples) {
    if (s.expected.invalid !== null) reasons.add(s.expected.invalid);
    for (const o of s.expected.outcomes) {
      if (o.kind !== 'rows') {
        reasons.add(o.reason);
        continue;
      }
      if (typeof o.auditEvent.Operation === 'string') methods.add(methodVerbSegment(o.auditEvent.Operation));
      if (o.auditEvent.EventSubType !== undefined) subTypes.add(o.auditEvent.EventSubType);
    }
  }
  for (const rule of GCP_VERB_RULES) t.ok([...methods].some((m) => m.startsWith(rule.match)), `verb ${rule.match} → ${rule.type} has a sample`);
  for (const type of AUDIT_LOG_TYPES.values()) t.ok(subTypes.has(type), `log type ${type} has a sample`);
  for (const r of [...SKIP_REASONS, ...INVALID_REASONS, ...ENVELOPE_INVALID_REASONS]) t.ok(reasons.has(r), `reason ${r} has a sample`);
});

void t.test('columns: unique valid names; GCPAuditLogs types are the table reference\'s', async (t) => {
  for (const columns of [GCP_AUDIT_LOGS_COLUMNS, ASIM_AUDIT_EVENT_COLUMNS]) {
    const names = columns.map((c) => c.name);
    t.equal(new Set(names).size, names.length, 'unique');
    for (const name of names) t.ok(/^[A-Za-z][A-Za-z0-9_]{0,44}$/.test(name), `${name} is a valid column name`);
  }
  // reference/sentinel-tables.md §6, in the table reference's column types.
  const dynamic = ['AuthenticationInfo', 'AuthorizationInfo', 'RequestMetadata', 'Request', 'Response', 'Metadata', 'ServiceData', 'ResourceLocation', 'ResourceOriginalState', 'Status'];
  const datetime = ['TimeGenerated', 'Timestamp'];
  const string = ['InsertId', 'LogName', 'Severity', 'ProjectId', 'GCPResourceType', 'GCPResourceName', 'ServiceName', 'MethodName', 'PrincipalEmail', 'NumResponseItems', 'StatusMessage', 'Subscription', 'SourceSystem'];
  t.equal(GCP_AUDIT_LOGS_COLUMNS.length, dynamic.length + datetime.length + string.length, 'every column of the table, no other');
  for (const c of GCP_AUDIT_LOGS_COLUMNS) {
    const want = dynamic.includes(c.name) ? 'dynamic' : datetime.includes(c.name) ? 'datetime' : string.includes(c.name) ? 'string' : 'unknown';
    t.equal(c.type, want, `${c.name} is ${want}`);
  }
  t.equal(GCP_AUDIT_STREAM_SCHEMA.gcpAuditLogs.table, 'GCPAuditLogs');
  t.equal(GCP_AUDIT_STREAM_SCHEMA.auditEvent.schema, 'AuditEvent');
});

void t.test('rows share one key order per table across all samples', async (t) => {
  const tableOrders = new Set<string>();
  const asimOrders = new Set<string>();
  for (const s of samples) {
    for (const o of run(s).outcomes) {
      if (o.kind !== 'rows') continue;
      tableOrders.add(Object.keys(o.gcpAuditLogs).join(','));
      if (o.auditEvent !== undefined) asimOrders.add(Object.keys(o.auditEvent).join(','));
    }
  }
  t.equal(tableOrders.size, 1, 'GCPAuditLogs');
  t.equal(asimOrders.size, 1, 'AuditEvent');
});

void t.test('toGcpAuditLogsRow on its own: odd field types leave string columns empty', async (t) => {
  const row = toGcpAuditLogsRow(
    { insertId: 7, logName: ['x'], severity: 999, timestamp: 'yesterday', receiveTimestamp: 12, resource: 'gce', protoPayload: { status: 'bad', authenticationInfo: [] } },
    Date.UTC(2024, 0, 1),
  );
  t.equal(row.TimeGenerated, '2024-01-01T00:00:00.000Z', 'receive time when receiveTimestamp is not a time');
  t.equal(row.Timestamp, undefined);
  t.equal(row.InsertId, '7', 'a number is written as text');
  t.equal(row.LogName, undefined, 'an array is not a string');
  t.equal(row.Severity, '999', 'an unknown LogSeverity number is written as text');
  t.equal(row.ProjectId, undefined);
  t.equal(row.StatusMessage, undefined);
  t.equal(row.PrincipalEmail, undefined);
  t.equal(row.Status, 'bad', 'dynamic columns keep the value as sent');
});

void t.test('never throws on hostile documents', async (t) => {
  const big = 'A'.repeat(200_000);
  const documents: unknown[] = [
    null, undefined, 0, true, '', [], {}, [null], [[]],
    { protoPayload: null }, { protoPayload: [] }, { protoPayload: {}, logName: 7 }, { protoPayload: { '@type': 5 }, logName: 'x' },
    { protoPayload: {}, logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity', timestamp: {} },
    { protoPayload: { methodName: {} }, logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity', timestamp: '2024-01-01T00:00:00Z' },
    { protoPayload: { methodName: '.', status: { code: Number.POSITIVE_INFINITY } }, logName: '/logs/', timestamp: '2024-01-01T00:00:00Z' },
    { protoPayload: { methodName: 'a.', status: { code: '99999999999' }, requestMetadata: { callerIp: ['1.2.3.4'] } }, logName: 'projects/p/logs/cloudaudit.googleapis.com%2Factivity', timestamp: '9999-12-31T23:59:59-23:59' },
    { message: null }, { message: { data: 5 } }, { message: { data: big } }, { message: { data: '====' } }, { message: {} , subscription: 5 },
    { specversion: 1, data: 'x' }, { specversion: '1.0', data: '{' }, { specversion: '1.0', data: null, data_base64: '%%' }, { specversion: '1.0', data: [1, 2] },
    { data: 'e30=', attributes: null },
    JSON.parse('{"__proto__": {"protoPayload": {}}, "constructor": 1}') as unknown,
  ];
  for (const document of documents) {
    try {
      const { entries } = gcpLogEntriesOf(document);
      for (const e of entries) {
        const o = normalizeGcpAuditEntry(e, 0);
        if (o.kind === 'rows') JSON.stringify(o);
        else t.ok(o.reason.length > 0, `${o.kind}: ${o.reason}`);
      }
    } catch (err: unknown) {
      t.fail(`${JSON.stringify(document)?.slice(0, 60) ?? String(document)} threw ${String(err)}`);
    }
  }
  t.pass('no throw');
});
