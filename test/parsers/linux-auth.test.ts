// Table-driven tests: one subtest per line of test/fixtures/linux-auth/samples.jsonl. Add a sample by adding a
// line; no test code to edit. `input` is the Syslog row subset Microsoft's parsers read; `expected` is the full
// ASIM row as JSON (empty fields absent) with the id of the pattern that made it, or a skip with its reason.
import t from 'tap';
import type { Test } from 'tap';
import { readFileSync } from 'node:fs';
import { ASIM_AUTHENTICATION_COLUMNS, ASIM_AUTHENTICATION_NATIVE_TRANSFORM, ASIM_AUTHENTICATION_QUERY_TIME_COLUMNS } from '../../parsers/asim/authentication.ts';
import type { AsimAuthenticationRow } from '../../parsers/asim/authentication.ts';
import { PATTERN_IDS, SKIP_REASONS, patternIdOf, toAuthenticationRow } from '../../parsers/linux-auth/index.ts';
import type { AuthOutcome } from '../../parsers/linux-auth/index.ts';
import type { SyslogRow } from '../../parsers/tables/syslog.ts';

interface Sample {
  name: string;
  input: Record<string, unknown>;
  expected: { kind: 'row'; pattern: string; row: Record<string, unknown> } | { kind: 'skip'; reason: string };
}

const samples = readFileSync(new URL('../fixtures/linux-auth/samples.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Sample);

function optString(v: unknown): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new TypeError(`expected a string, got ${JSON.stringify(v)}`);
  return v;
}

function str(v: unknown): string {
  return optString(v) ?? '';
}

/** The Syslog row the agent would have built (toSyslogRow's shape). */
function syslogRow(input: Record<string, unknown>): SyslogRow {
  const pid = input.ProcessID;
  return {
    TimeGenerated: str(input.TimeGenerated),
    EventTime: str(input.EventTime),
    Computer: str(input.Computer),
    HostName: str(input.HostName),
    HostIP: str(input.HostIP),
    Facility: str(input.Facility),
    SeverityLevel: str(input.SeverityLevel),
    ProcessName: optString(input.ProcessName),
    ProcessID: typeof pid === 'number' ? pid : undefined,
    SyslogMessage: str(input.SyslogMessage),
    SourceSystem: 'Linux',
    AsimdFlags: undefined,
  };
}

const COLUMN_NAMES = ASIM_AUTHENTICATION_COLUMNS.map((c) => c.name);
const COLUMN_TYPES = new Map(ASIM_AUTHENTICATION_COLUMNS.map((c) => [c.name, c.type]));
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

// Allowed values (reference/asim.md §2, §2.4, §3).
const ALLOWED: Record<string, readonly string[]> = {
  EventSchema: ['Authentication'],
  EventSchemaVersion: ['0.1.3'],
  EventType: ['Logon', 'Logoff', 'Elevate'],
  EventSubType: ['System', 'Interactive', 'RemoteInteractive', 'Service', 'RemoteService', 'Remote', 'AssumeRole'],
  EventResult: ['Success', 'Partial', 'Failure', 'NA'],
  EventResultDetails: ['No such user or password', 'No such user', 'Incorrect password', 'Incorrect key', 'Account expired', 'Password expired', 'User locked', 'User disabled', 'Logon violates policy', 'Session expired', 'Other'],
  EventSeverity: ['Informational', 'Low', 'Medium', 'High'],
  DvcDomainType: ['FQDN', 'Windows'],
  SrcDomainType: ['FQDN', 'Windows'],
  TargetDomainType: ['FQDN', 'Windows'],
  ActorUsernameType: ['UPN', 'Windows', 'DN', 'Simple', 'Unknown'],
  TargetUsernameType: ['UPN', 'Windows', 'DN', 'Simple', 'Unknown'],
};
const VENDOR_PRODUCT = ['OpenBSD/OpenSSH', 'Linux/su', 'Linux/sudo'];
const MANDATORY = ['EventCount', 'EventStartTime', 'EventEndTime', 'EventType', 'EventResult', 'EventProduct', 'EventVendor', 'EventSchema', 'EventSchemaVersion', 'Dvc'];

/** Every key is a column, in column order; every value has the column's type and an allowed value. */
function checkRow(t: Test, row: AsimAuthenticationRow): void {
  t.same(Object.keys(row), COLUMN_NAMES, 'all keys, in ASIM_AUTHENTICATION_COLUMNS order');
  for (const [key, value] of Object.entries(row) as [string, unknown][]) {
    if (value === undefined) continue;
    const type = COLUMN_TYPES.get(key);
    if (type === 'string') t.ok(typeof value === 'string' && value !== '', `${key} is a non-empty string`);
    else if (type === 'datetime') t.ok(typeof value === 'string' && ISO.test(value) && new Date(value).toISOString() === value, `${key} is an ISO datetime`);
    else if (type === 'int') t.ok(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 2_147_483_647, `${key} is an int`);
    else if (type === 'dynamic') t.ok(typeof value === 'object' && value !== null, `${key} is an object`);
    else t.fail(`${key}: unexpected column type ${String(type)}`);
    const allowed = ALLOWED[key];
    if (allowed !== undefined) t.ok(allowed.includes(value as string), `${key} ${JSON.stringify(value)} is allowed`);
  }
  for (const key of MANDATORY) t.not(row[key as keyof AsimAuthenticationRow], undefined, `${key} (Mandatory) is set`);
  t.ok(VENDOR_PRODUCT.includes(`${row.EventVendor}/${row.EventProduct}`), 'vendor/product pair is in the allowed list');
  t.equal(row.EventStartTime, row.TimeGenerated, 'EventStartTime = TimeGenerated');
  t.equal(row.EventEndTime, row.TimeGenerated, 'EventEndTime = TimeGenerated');
  t.equal(row.User, row.TargetUsername, 'alias User = TargetUsername');
  t.equal(row.IpAddr, row.SrcIpAddr, 'alias IpAddr = SrcIpAddr (S1)');
  t.equal(row.Rule, row.RuleName, 'alias Rule = RuleName');
}

for (const sample of samples) {
  void t.test(sample.name, async (t) => {
    const input = syslogRow(sample.input);
    const outcome = toAuthenticationRow(input);
    const expected = sample.expected;
    if (expected.kind === 'skip') {
      t.same(outcome, { kind: 'skip', reason: expected.reason });
      t.equal(patternIdOf(input), undefined, 'no pattern');
      return;
    }
    if (outcome.kind !== 'row') {
      t.fail(`expected a row, got skip ${outcome.reason}`);
      return;
    }
    t.equal(patternIdOf(input), expected.pattern, 'pattern');
    t.strictSame(JSON.parse(JSON.stringify(outcome.row)), expected.row, 'row, field for field');
    checkRow(t, outcome.row);
  });
}

void t.test('every pattern has a sample, every skip reason is known', async (t) => {
  const covered = new Set(samples.flatMap((s) => (s.expected.kind === 'row' ? [s.expected.pattern] : [])));
  for (const id of PATTERN_IDS) t.ok(covered.has(id), `${id} has a sample`);
  for (const s of samples) if (s.expected.kind === 'skip') t.ok((SKIP_REASONS as readonly string[]).includes(s.expected.reason), `${s.name}: known reason`);
});

void t.test('columns: unique names, DCR types, query-time columns are columns', async (t) => {
  t.equal(new Set(COLUMN_NAMES).size, COLUMN_NAMES.length, 'unique');
  for (const c of ASIM_AUTHENTICATION_COLUMNS) t.ok(/^[A-Za-z][A-Za-z0-9_]{0,44}$/.test(c.name), `${c.name} is a valid column name`);
  for (const name of ASIM_AUTHENTICATION_QUERY_TIME_COLUMNS) t.ok(COLUMN_NAMES.includes(name), `${name} is a column`);
  t.match(ASIM_AUTHENTICATION_NATIVE_TRANSFORM, /^source \| project-away EventSchema, /);
});

void t.test('rows from different patterns share one key order', async (t) => {
  const orders = new Set<string>();
  for (const s of samples) {
    const o = toAuthenticationRow(syslogRow(s.input));
    if (o.kind === 'row') orders.add(Object.keys(o.row).join(','));
  }
  t.equal(orders.size, 1);
});

void t.test('never throws on hostile messages', async (t) => {
  const messages = ['', ' ', ':', 'Accepted', 'Accepted  for  from  port ', 'Failed', 'Failed  for invalid user  from  port 99999999999', 'message repeated', 'message repeated x times: [ Failed', 'Invalid user', 'Invalid user  from ', 'Timeout', 'reverse mapping checking getaddrinfo for', 'Address  maps to , but this does not map back to the address', 'Nasty PTR record', 'Successful su for', 'FAILED SU', 'FAILED su for', 'pam_unix(su session): session closed for user', ' : TTY= USER= COMMAND=', 'user NOT in sudoers', 'session closed for user ', '\u0000\uFFFD'.repeat(100), 'x'.repeat(70_000)];
  for (const process of ['sshd', 'su', 'sudo']) {
    for (const SyslogMessage of messages) {
      const row = syslogRow({ ProcessName: process, SyslogMessage, TimeGenerated: '2024-01-01T00:00:00.000Z', Computer: '' });
      let outcome: AuthOutcome;
      try {
        outcome = toAuthenticationRow(row);
      } catch (err: unknown) {
        t.fail(`${process} ${JSON.stringify(SyslogMessage.slice(0, 40))} threw ${String(err)}`);
        continue;
      }
      if (outcome.kind === 'row') t.equal(Object.keys(outcome.row).length, COLUMN_NAMES.length);
      else t.ok(outcome.reason.length > 0);
    }
  }
});
