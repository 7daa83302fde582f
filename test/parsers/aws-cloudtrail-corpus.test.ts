// Every CloudTrail corpus file (../shared/corpus/cloudtrail: Panther test records, AWS documentation examples and
// S3 log-file envelopes, elastic/integrations pipeline inputs, Stratus Red Team runs exported through Datadog)
// goes through parseJsonSafely → cloudTrailRecordsOf → normalizeCloudTrail without a throw, and every document
// and record ends in a defined outcome. Counts per file and outcome are printed with t.comment. The Azure-Sentinel
// AWSCloudTrail export is the parity reference for column names, order and values. Nothing is copied into the
// repo; the test is skipped when the corpus is absent.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { AWS_CLOUDTRAIL_COLUMNS } from '../../parsers/tables/aws-cloudtrail.ts';
import {
  DOCUMENT_INVALID_REASONS,
  DOCUMENT_SKIP_REASONS,
  INVALID_REASONS,
  SKIP_REASONS,
  cloudTrailRecordsOf,
  normalizeCloudTrail,
  parseJsonSafely,
} from '../../parsers/aws-cloudtrail/index.ts';
import type { CloudTrailOutcome, CloudTrailRecord } from '../../parsers/aws-cloudtrail/index.ts';
import { CLOUDTRAIL_CORPUS_URL, SENTINEL_EXPORT, cloudTrailCorpusAvailable, loadCloudTrailCorpus } from '../fixtures/aws-cloudtrail/corpus.ts';
import { parseCsv } from '../fixtures/syslog/corpus.ts';

const RECEIVED_AT = Date.UTC(2025, 0, 1);
const missing = cloudTrailCorpusAvailable() ? false : `CloudTrail corpus not found at ${fileURLToPath(CLOUDTRAIL_CORPUS_URL)}`;

function outcomeKey(o: CloudTrailOutcome): string {
  if (o.kind !== 'rows') return `${o.kind} ${o.reason}`;
  return `rows${o.auditEvent === undefined ? '' : '+auditEvent'}${o.authentication === undefined ? '' : '+authentication'}`;
}

function isRecordish(v: unknown): v is CloudTrailRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Files whose outcome is known from the corpus README; counts must match exactly. */
const EXPECTED: Record<string, Record<string, number>> = {
  'awsdocs_log_file_example_8.envelope.json': { 'skip insight': 2 },
  'elastic-integrations/test-cloudtrail-digest-json.log': { 'document skip digest': 1 },
  'elastic-integrations/test-console-login-json.log': { 'rows+authentication': 3 },
  'stratus-datadog-forwarded/aws.execution.ec2-user-data.json': { 'document unparseable': 1 },
};

void t.test('every corpus document and record gets a defined outcome', { skip: missing }, async (t) => {
  const total = new Map<string, number>();
  for (const { file, documents } of loadCloudTrailCorpus()) {
    const counts = new Map<string, number>();
    const bump = (k: string): void => {
      counts.set(k, (counts.get(k) ?? 0) + 1);
      total.set(k, (total.get(k) ?? 0) + 1);
    };
    for (const doc of documents) {
      const parsed = parseJsonSafely(doc.text);
      if (!parsed.ok) {
        t.ok(parsed.error.length > 0, `${doc.id}: parse error has a message`);
        bump('document unparseable');
        continue;
      }
      const split = cloudTrailRecordsOf(parsed.value);
      if (split.skipped !== undefined) {
        t.ok((DOCUMENT_SKIP_REASONS as readonly string[]).includes(split.skipped), `${doc.id}: listed skip reason ${split.skipped}`);
        bump(`document skip ${split.skipped}`);
      }
      if (split.invalid !== undefined) {
        t.ok((DOCUMENT_INVALID_REASONS as readonly string[]).includes(split.invalid), `${doc.id}: listed invalid reason ${split.invalid}`);
        bump(`document invalid ${split.invalid}`);
      }
      split.records.forEach((record, i) => {
        let outcome: CloudTrailOutcome;
        try {
          outcome = normalizeCloudTrail(record, RECEIVED_AT);
          JSON.stringify(outcome);
        } catch (err: unknown) {
          t.fail(`${doc.id} record ${i}: threw ${String(err)}`);
          return;
        }
        bump(outcomeKey(outcome));
        if (outcome.kind === 'skip' && !(SKIP_REASONS as readonly string[]).includes(outcome.reason)) t.fail(`${doc.id} record ${i}: unlisted skip ${outcome.reason}`);
        if (outcome.kind === 'invalid' && !(INVALID_REASONS as readonly string[]).includes(outcome.reason)) t.fail(`${doc.id} record ${i}: unlisted invalid ${outcome.reason}`);
        // A record without one of the mandatory fields must never become rows.
        if (isRecordish(record)) {
          const malformed = typeof record.eventName !== 'string' || typeof record.eventSource !== 'string' || typeof record.eventTime !== 'string';
          if (malformed && outcome.kind === 'rows') t.fail(`${doc.id} record ${i}: malformed record became rows`);
          if (!malformed && record.eventType !== 'AwsCloudTrailInsight' && outcome.kind !== 'rows') {
            // Only an unparseable eventTime may stop a well-formed record.
            t.equal(outcome.kind === 'invalid' ? outcome.reason : outcome.kind, 'bad_eventTime', `${doc.id} record ${i}: only a bad eventTime stops a complete record`);
          }
          if (outcome.kind === 'rows') {
            t.equal(outcome.authentication !== undefined, record.eventName === 'ConsoleLogin', `${doc.id} record ${i}: Authentication row iff ConsoleLogin`);
            t.equal(outcome.auditEvent === undefined, record.eventName === 'ConsoleLogin' || record.eventName === 'UserAuthentication', `${doc.id} record ${i}: AuditEvent unless sign-in (B1)`);
          }
        }
      });
    }
    const summary = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${v}`).join(', ');
    t.comment(`${file} (${documents.length} documents) → ${summary}`);
    const expected = EXPECTED[file];
    if (expected !== undefined) t.same(Object.fromEntries(counts), expected, `${file}: outcome counts as the corpus README describes`);
  }
  t.comment(`all files → ${[...total].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
});

void t.test('Panther records: the ones lacking eventName/eventSource/eventTime are invalid with that reason', { skip: missing }, async (t) => {
  const file = loadCloudTrailCorpus().find((f) => f.file === 'panther_cloudtrail_test_records.jsonl');
  if (file === undefined) {
    t.fail('panther file missing');
    return;
  }
  let invalid = 0;
  for (const doc of file.documents) {
    const parsed = parseJsonSafely(doc.text);
    if (!parsed.ok || !isRecordish(parsed.value)) continue;
    const r = parsed.value;
    const o = normalizeCloudTrail(r, RECEIVED_AT);
    if (r.eventTime === undefined || r.eventTime === null) t.same(o, { kind: 'invalid', reason: 'missing_eventTime' }, `${doc.id}: missing_eventTime`);
    if (typeof r.eventName !== 'string') {
      const reason = o.kind === 'invalid' ? o.reason : o.kind;
      t.ok(['missing_eventTime', 'bad_eventTime', 'missing_eventName'].includes(reason), `${doc.id}: no eventName → invalid (${reason})`);
      invalid++;
    }
  }
  t.ok(invalid >= 40, `the README's ~45 records without eventName are invalid (${invalid})`);
});

void t.test('Datadog-forwarded Stratus records: CloudTrail fields at top level are mapped; Datadog keys are ignored', { skip: missing }, async (t) => {
  const text = readFileSync(new URL('stratus-datadog-forwarded/aws.defense-evasion.cloudtrail-delete.json', CLOUDTRAIL_CORPUS_URL), 'utf8');
  const parsed = parseJsonSafely(text);
  if (!parsed.ok) {
    t.fail(parsed.error);
    return;
  }
  const [record] = cloudTrailRecordsOf(parsed.value).records;
  const o = normalizeCloudTrail(record, RECEIVED_AT);
  if (o.kind !== 'rows' || o.auditEvent === undefined) {
    t.fail(`expected rows, got ${o.kind}`);
    return;
  }
  t.equal(o.awsCloudTrail.EventName, 'DeleteTrail');
  t.equal(o.awsCloudTrail.UserIdentityType, 'AssumedRole');
  t.equal(o.awsCloudTrail.SessionMfaAuthenticated, true);
  t.equal(o.auditEvent.EventType, 'Delete');
  // Datadog moved sourceIPAddress/userAgent into network.client.ip / http.useragent: not CloudTrail fields, so empty.
  t.equal(o.awsCloudTrail.SourceIpAddress, undefined, 'sourceIPAddress was moved by Datadog: empty');
  t.comment('Datadog-enriched records: SourceIpAddress/UserAgent/AwsRequestId empty (Datadog moved them to network.*, http.*)');
});

/** `21/04/2025, 09:45:54.000` → `2025-04-21T09:45:54.000Z`. */
function exportTime(s: string): string {
  const m = /^(\d\d)\/(\d\d)\/(\d{4}), (\d\d:\d\d:\d\d\.\d{3})$/.exec(s);
  return m === null ? s : `${m[3] ?? ''}-${m[2] ?? ''}-${m[1] ?? ''}T${m[4] ?? ''}Z`;
}

function jsonOrUndefined(s: string | undefined): unknown {
  return s === undefined || s === '' ? undefined : JSON.parse(s);
}

void t.test("Azure-Sentinel AWSCloudTrail export: our columns in Microsoft's order; a record rebuilt from each row maps back to it", { skip: missing }, async (t) => {
  const [header, ...rows] = parseCsv(readFileSync(new URL(SENTINEL_EXPORT, CLOUDTRAIL_CORPUS_URL), 'utf8'));
  if (header === undefined) {
    t.fail('empty export');
    return;
  }
  const names = header.map((h) => h.replace(/ \[UTC\]$/, ''));
  const SYSTEM = new Set(['TenantId', 'SourceSystem', 'Type']);
  const exported = names.filter((n) => !SYSTEM.has(n));
  t.same(AWS_CLOUDTRAIL_COLUMNS.map((c) => c.name), exported, 'column names and order = the export minus system columns');
  for (const row of rows.filter((r) => r.length === names.length)) {
    const v = (name: string): string | undefined => {
      const x = row[names.indexOf(name)];
      return x === undefined || x === '' ? undefined : x;
    };
    const record: CloudTrailRecord = {
      eventVersion: v('EventVersion'),
      userIdentity: { type: v('UserIdentityType'), principalId: v('UserIdentityPrincipalid'), arn: v('UserIdentityArn'), accountId: v('UserIdentityAccountId'), userName: v('UserIdentityUserName') },
      eventTime: exportTime(v('TimeGenerated') ?? ''),
      eventSource: v('EventSource'),
      eventName: v('EventName'),
      awsRegion: v('AWSRegion'),
      sourceIPAddress: v('SourceIpAddress'),
      userAgent: v('UserAgent'),
      errorMessage: v('ErrorMessage'),
      responseElements: jsonOrUndefined(v('ResponseElements')),
      additionalEventData: jsonOrUndefined(v('AdditionalEventData')),
      eventID: v('AwsEventId'),
      readOnly: v('ReadOnly') === 'true',
      eventType: v('EventTypeName'),
      managementEvent: v('ManagementEvent') === 'true',
      recipientAccountId: v('RecipientAccountId'),
      tlsDetails: { tlsVersion: v('TlsVersion'), cipherSuite: v('CipherSuite'), clientProvidedHostHeader: v('ClientProvidedHostHeader') },
    };
    const o = normalizeCloudTrail(record, RECEIVED_AT);
    if (o.kind !== 'rows' || o.authentication === undefined) {
      t.fail(`${v('AwsEventId') ?? '?'}: expected rows with an Authentication row`);
      continue;
    }
    const ours = o.awsCloudTrail as unknown as Record<string, unknown>;
    const differ: string[] = [];
    for (const name of exported) {
      const want = v(name);
      const got = ours[name];
      let same: boolean;
      if (name === 'TimeGenerated') same = got === exportTime(want ?? '').replace('.000Z', 'Z') || got === exportTime(want ?? '');
      else if (typeof got === 'boolean') same = String(got) === want;
      else if (name === 'ResponseElements' || name === 'AdditionalEventData') same = JSON.stringify(jsonOrUndefined(want)) === got; // Microsoft keeps the source's \u0026 escapes
      else same = got === want;
      if (!same) differ.push(`${name}: ours ${JSON.stringify(got)} vs export ${JSON.stringify(want)}`);
    }
    // OperationName: the table reference documents the constant "CloudTrail"; this export has it empty.
    t.same(differ.filter((d) => !d.startsWith('OperationName')), [], `${v('AwsEventId') ?? '?'}: every column equals the export`);
    const a = o.authentication;
    const mfa = (record.additionalEventData as Record<string, unknown> | undefined)?.MFAUsed === 'Yes';
    t.equal(a.EventResult, v('ResponseElements')?.includes('Success') === true ? 'Success' : 'Failure', 'EventResult from ResponseElements');
    t.equal(a.LogonMethod, mfa ? 'MFA' : undefined, 'LogonMethod MFA iff MFAUsed Yes (A3)');
    t.equal(a.TargetUsername, v('UserIdentityUserName'), 'IAMUser → TargetUsername = UserIdentityUserName');
    t.equal(a.EventOriginalResultDetails, v('ErrorMessage'));
  }
  t.comment(`export: ${rows.length} rows; known difference: OperationName (reference: constant "CloudTrail"; export: empty)`);
});
