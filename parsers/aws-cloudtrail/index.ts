/**
 * AWS CloudTrail → Sentinel rows. Pure functions; none of them throws on any input.
 *
 *   parseJsonSafely      text → JSON value, with prototype-pollution keys stripped
 *   cloudTrailRecordsOf  a parsed document (S3 log file, EventBridge event, bare record, digest) → its records
 *   normalizeCloudTrail  one record → an AWSCloudTrail row, plus an ASIM AuditEvent row (every API event but
 *                        sign-ins, reference/asim.md §7) and, for ConsoleLogin, an ASIM Authentication row (§6)
 *
 * The worker parses and frames; this module only maps. Records missing a mandatory field are `invalid` (they go
 * to the dead-letter store with the reason); CloudTrail Insights events are `skip` (not API activity; no table
 * column holds their insightDetails).
 */
import type { AsimAuditEventRow } from '../asim/audit-event.ts';
import { ASIM_AUDIT_EVENT_SCHEMA } from '../asim/audit-event.ts';
import type { AsimAuthenticationRow } from '../asim/authentication.ts';
import { ASIM_AUTHENTICATION_SCHEMA } from '../asim/authentication.ts';
import type { AwsCloudTrailRow } from '../tables/aws-cloudtrail.ts';
import { AWS_CLOUDTRAIL_TABLE, buildAwsCloudTrailRow } from '../tables/aws-cloudtrail.ts';
import { AUDIT_EVENT_EXCLUDED, toAuditEventRow } from './audit-event.ts';
import { CONSOLE_LOGIN, toConsoleLoginRow } from './authentication.ts';
import { isoTimeOf, objectOf } from './record.ts';

export type { CloudTrailRecord } from './record.ts';
export { CLOUDTRAIL_VERBS, cloudTrailEventType, cloudTrailVerbRule } from './verbs.ts';

export type CloudTrailOutcome =
  | { kind: 'rows'; awsCloudTrail: AwsCloudTrailRow; auditEvent: AsimAuditEventRow | undefined; authentication: AsimAuthenticationRow | undefined }
  | { kind: 'skip'; reason: string }
  | { kind: 'invalid'; reason: string };

/** What this parser emits (STYLE §3): one raw-table stream and two ASIM streams. */
export const CLOUDTRAIL_STREAM_SCHEMA = {
  table: AWS_CLOUDTRAIL_TABLE,
  auditEvent: { stream: ASIM_AUDIT_EVENT_SCHEMA.stream, schema: ASIM_AUDIT_EVENT_SCHEMA.schema, version: ASIM_AUDIT_EVENT_SCHEMA.version },
  authentication: { stream: ASIM_AUTHENTICATION_SCHEMA.stream, schema: ASIM_AUTHENTICATION_SCHEMA.schema, version: ASIM_AUTHENTICATION_SCHEMA.version },
} as const;

/** Reasons normalizeCloudTrail gives; stable, for counters and the dead-letter store. */
export const INVALID_REASONS = ['not_an_object', 'missing_eventTime', 'bad_eventTime', 'missing_eventName', 'missing_eventSource'] as const;
export const SKIP_REASONS = ['insight'] as const;
/** Reasons cloudTrailRecordsOf gives for a whole document. */
export const DOCUMENT_SKIP_REASONS = ['digest', 'notification', 'not_cloudtrail_eventbridge'] as const;
export const DOCUMENT_INVALID_REASONS = ['not_an_object', 'records_not_an_array', 'eventbridge_detail_not_an_object'] as const;

type InvalidReason = (typeof INVALID_REASONS)[number];
const INVALID: { readonly [R in InvalidReason]: CloudTrailOutcome } = {
  not_an_object: Object.freeze({ kind: 'invalid', reason: 'not_an_object' }),
  missing_eventTime: Object.freeze({ kind: 'invalid', reason: 'missing_eventTime' }),
  bad_eventTime: Object.freeze({ kind: 'invalid', reason: 'bad_eventTime' }),
  missing_eventName: Object.freeze({ kind: 'invalid', reason: 'missing_eventName' }),
  missing_eventSource: Object.freeze({ kind: 'invalid', reason: 'missing_eventSource' }),
};
const SKIP_INSIGHT: CloudTrailOutcome = Object.freeze({ kind: 'skip', reason: 'insight' });

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * One CloudTrail record → its rows. `receivedAt` (ms epoch the document was received) is not used for time:
 * TimeGenerated is the record's eventTime, and a record without a valid one is invalid rather than re-timed (a
 * wrong time on an audit record misleads more than a dead-lettered record). Kept so every normalizer in the
 * worker has the same signature.
 */
export function normalizeCloudTrail(record: unknown, receivedAt: number): CloudTrailOutcome {
  void receivedAt;
  const r = objectOf(record);
  if (r === undefined) return INVALID.not_an_object;
  if (r.eventType === 'AwsCloudTrailInsight') return SKIP_INSIGHT;
  const rawTime = r.eventTime;
  if (rawTime === undefined || rawTime === null || rawTime === '') return INVALID.missing_eventTime;
  const time = isoTimeOf(rawTime);
  if (time === undefined) return INVALID.bad_eventTime;
  const eventName = nonEmptyString(r.eventName);
  if (eventName === undefined) return INVALID.missing_eventName;
  const eventSource = nonEmptyString(r.eventSource);
  if (eventSource === undefined) return INVALID.missing_eventSource;

  const awsCloudTrail = buildAwsCloudTrailRow(r, time, eventName, eventSource);
  const auditEvent = AUDIT_EVENT_EXCLUDED.has(eventName) ? undefined : toAuditEventRow(awsCloudTrail, r);
  const authentication = eventName === CONSOLE_LOGIN ? toConsoleLoginRow(awsCloudTrail, r) : undefined;
  return { kind: 'rows', awsCloudTrail, auditEvent, authentication };
}

const EVENTBRIDGE_SUFFIX = 'via CloudTrail';

/**
 * Splits a parsed document into CloudTrail records:
 * - `{"Records": [...]}` (an S3 log file, also Insights files) → the array's elements;
 * - a JSON array → its elements (a batch of bare records);
 * - an EventBridge event whose `detail-type` ends in "via CloudTrail" ("AWS API Call via CloudTrail", "AWS
 *   Console Sign In via CloudTrail", …) → `[detail]`; any other EventBridge event → skipped;
 * - a digest file (`digestStartTime` / `logFiles`) → skipped as `digest`; a CloudTrail SNS notification
 *   (`s3Bucket` + `s3ObjectKey`) → skipped as `notification`;
 * - any other object → `[document]`, a bare record (normalizeCloudTrail judges it).
 * Elements are returned as they are; normalizeCloudTrail rejects the ones that are not records.
 */
export function cloudTrailRecordsOf(document: unknown): { records: unknown[]; skipped: string | undefined; invalid: string | undefined } {
  if (Array.isArray(document)) return { records: document, skipped: undefined, invalid: undefined };
  const doc = objectOf(document);
  if (doc === undefined) return { records: [], skipped: undefined, invalid: 'not_an_object' };
  if ('Records' in doc) {
    const records = doc.Records;
    return Array.isArray(records) ? { records, skipped: undefined, invalid: undefined } : { records: [], skipped: undefined, invalid: 'records_not_an_array' };
  }
  const detailType = doc['detail-type'];
  if (typeof detailType === 'string' && 'detail' in doc) {
    if (!detailType.endsWith(EVENTBRIDGE_SUFFIX)) return { records: [], skipped: 'not_cloudtrail_eventbridge', invalid: undefined };
    const detail = objectOf(doc.detail);
    return detail === undefined ? { records: [], skipped: undefined, invalid: 'eventbridge_detail_not_an_object' } : { records: [detail], skipped: undefined, invalid: undefined };
  }
  if ('digestStartTime' in doc || ('logFiles' in doc && 'digestS3Object' in doc)) return { records: [], skipped: 'digest', invalid: undefined };
  if ('s3Bucket' in doc && 's3ObjectKey' in doc) return { records: [], skipped: 'notification', invalid: undefined };
  return { records: [doc], skipped: undefined, invalid: undefined };
}

const POLLUTION_HINT = /__proto__|constructor|\\u/;

/**
 * JSON.parse, then removal of prototype-pollution keys. The choice: strip, not reject. JSON.parse itself is safe
 * (it defines `__proto__` as an own property, it does not set the prototype), but such keys become dangerous
 * when a later step merges the object with assignment (Object.assign, a deep merge, a KQL-less enrichment).
 * Stripping keeps the rest of a CloudTrail file (thousands of records) instead of dead-lettering it for one
 * hostile key, and no CloudTrail field is named like this. Removed: every `__proto__` key, and a `constructor`
 * key whose value is an object with a `prototype` key (the `constructor.prototype` path); a plain
 * `"constructor": "..."` value is data and stays. The walk runs only when the text contains `__proto__`,
 * `constructor` or a `\u` escape (which could spell either), so ordinary documents cost one regex scan.
 * Never throws: a syntax error is `{ ok: false, error }`.
 */
export function parseJsonSafely(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err: unknown) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  if (POLLUTION_HINT.test(text)) stripPollution(value, 0);
  return { ok: true, value };
}

const MAX_DEPTH = 1000;

function stripPollution(value: unknown, depth: number): void {
  if (typeof value !== 'object' || value === null || depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value) stripPollution(item, depth + 1);
    return;
  }
  const obj = value as Record<string, unknown>;
  if (Object.hasOwn(obj, '__proto__')) Reflect.deleteProperty(obj, '__proto__');
  if (Object.hasOwn(obj, 'constructor')) {
    const ctor: unknown = Reflect.get(obj, 'constructor');
    if (typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype')) Reflect.deleteProperty(obj, 'constructor');
  }
  for (const key in obj) stripPollution(obj[key], depth + 1);
}
