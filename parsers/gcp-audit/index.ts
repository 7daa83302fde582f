/**
 * GCP Cloud Audit Logs LogEntries → a GCPAuditLogs row (reference/sentinel-tables.md §6) and an ASIM AuditEvent
 * row (reference/asim.md §9: asimd's own mapping; there is no Microsoft parser). Pure and synchronous; never
 * throws. The tables the mapping reads are data, in tables.ts; envelopes are unwrapped by envelope.ts.
 *
 * What an entry is, checked in this order:
 * 1. not a JSON object                                         → invalid `not_an_object`
 * 2. no protoPayload: with a textPayload or jsonPayload        → skip `not_audit_log` (another log)
 *                     with no payload at all                   → invalid `missing_protoPayload`
 * 3. protoPayload not an object                                → invalid `protoPayload_not_object`
 * 4. protoPayload `@type` present and not AuditLog             → skip `not_audit_log`
 * 5. no logName                                                → invalid `missing_logName`
 * 6. no `@type` and logName not a cloudaudit.googleapis.com log → skip `not_audit_log`
 *    (CloudEvents LogEntryData types protoPayload as AuditLog and writes no `@type`; an audit log's name says so)
 * 7. no timestamp / one that is not a time (tables/gcp-audit-logs.ts isoTimeOf) → invalid `missing_timestamp` / `bad_timestamp`
 * 8. no protoPayload.methodName                                → invalid `missing_methodName`
 * Otherwise both rows. The AuditEvent row is `undefined` only if the schema module ever declines one; today every
 * entry that makes a GCPAuditLogs row makes an AuditEvent row too.
 */
import { isIP } from 'node:net';
import type { AsimAuditEventRow } from '../asim/audit-event.ts';
import { ASIM_AUDIT_EVENT_SCHEMA, emptyAuditEventRow } from '../asim/audit-event.ts';
import type { GcpAuditLogsRow, LogEntryObject } from '../tables/gcp-audit-logs.ts';
import { GCP_AUDIT_LOGS_STREAM_SCHEMA, objectOf, textOf, toGcpAuditLogsRow } from '../tables/gcp-audit-logs.ts';
import { AUDIT_LOG_TYPES, AUDIT_LOG_TYPE_URL, SERVICE_ACCOUNT_SUFFIX, SUCCESS_STATUS_CODE, eventTypeOf } from './tables.ts';

export { gcpLogEntriesOf, ENVELOPE_INVALID_REASONS } from './envelope.ts';
export type { GcpLogEntries, EnvelopeInvalidReason } from './envelope.ts';

export type GcpAuditOutcome =
  | { kind: 'rows'; gcpAuditLogs: GcpAuditLogsRow; auditEvent: AsimAuditEventRow | undefined }
  | { kind: 'skip'; reason: string }
  | { kind: 'invalid'; reason: string };

/** ASIM vendor/product (reference/asim.md §9; the product is not in Microsoft's list, §10 G1). */
export const GCP_AUDIT_VENDOR = 'GCP';
export const GCP_AUDIT_PRODUCT = 'Cloud Audit Logs';

/** What this parser emits (STYLE §3): two streams per entry. */
export const GCP_AUDIT_STREAM_SCHEMA = {
  gcpAuditLogs: GCP_AUDIT_LOGS_STREAM_SCHEMA,
  auditEvent: {
    stream: ASIM_AUDIT_EVENT_SCHEMA.stream,
    schema: ASIM_AUDIT_EVENT_SCHEMA.schema,
    version: ASIM_AUDIT_EVENT_SCHEMA.version,
    vendor: GCP_AUDIT_VENDOR,
    product: GCP_AUDIT_PRODUCT,
  },
} as const;

export const SKIP_REASONS = ['not_audit_log'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];
export const INVALID_REASONS = [
  'not_an_object',
  'missing_protoPayload',
  'protoPayload_not_object',
  'missing_logName',
  'missing_timestamp',
  'bad_timestamp',
  'missing_methodName',
] as const;
export type InvalidReason = (typeof INVALID_REASONS)[number];

const SKIP: { readonly [R in SkipReason]: GcpAuditOutcome } = {
  not_audit_log: Object.freeze({ kind: 'skip', reason: 'not_audit_log' }),
};
const INVALID: { readonly [R in InvalidReason]: GcpAuditOutcome } = {
  not_an_object: Object.freeze({ kind: 'invalid', reason: 'not_an_object' }),
  missing_protoPayload: Object.freeze({ kind: 'invalid', reason: 'missing_protoPayload' }),
  protoPayload_not_object: Object.freeze({ kind: 'invalid', reason: 'protoPayload_not_object' }),
  missing_logName: Object.freeze({ kind: 'invalid', reason: 'missing_logName' }),
  missing_timestamp: Object.freeze({ kind: 'invalid', reason: 'missing_timestamp' }),
  bad_timestamp: Object.freeze({ kind: 'invalid', reason: 'bad_timestamp' }),
  missing_methodName: Object.freeze({ kind: 'invalid', reason: 'missing_methodName' }),
};

/** What a logName says: the parent resource (`projects/p`, `organizations/1`, …) and the audit log type. */
interface LogNameParts {
  readonly parent: string;
  /** True when the log id is `cloudaudit.googleapis.com/<anything>`. */
  readonly audit: boolean;
  /** EventSubType (AUDIT_LOG_TYPES), or undefined. */
  readonly subType: string | undefined;
}

const AUDIT_LOG_PREFIX = 'cloudaudit.googleapis.com/';

function parseLogName(logName: string): LogNameParts {
  const at = logName.indexOf('/logs/');
  const parent = at < 0 ? logName : logName.slice(0, at);
  // LOG_ID is URL-encoded in logName (`cloudaudit.googleapis.com%2Factivity`); some exports decode it.
  const logId = at < 0 ? '' : logName.slice(at + 6).replace(/%2F/gi, '/');
  const audit = logId.startsWith(AUDIT_LOG_PREFIX);
  return { parent, audit, subType: audit ? AUDIT_LOG_TYPES.get(logId.slice(AUDIT_LOG_PREFIX.length)) : undefined };
}

// One-entry memo: consecutive entries nearly always come from the same log.
let lastLogName = '';
let lastParts: LogNameParts = parseLogName('');

function logNameParts(logName: string): LogNameParts {
  if (logName !== lastLogName) {
    lastParts = parseLogName(logName);
    lastLogName = logName;
  }
  return lastParts;
}

/** google.rpc.Status.code as a number (proto3 JSON writes int32 as a number; a decimal string is accepted), or undefined. */
function statusCodeOf(status: Readonly<Record<string, unknown>> | undefined): number | undefined {
  const code = status?.code;
  if (typeof code === 'number') return Number.isInteger(code) ? code : undefined;
  if (typeof code === 'string' && /^-?\d{1,10}$/.test(code)) return Number(code);
  return undefined;
}

/**
 * The GCPAuditLogs row and the ASIM AuditEvent row of one parsed LogEntry, or why there are none. `receivedAt`
 * (ms epoch) is the GCPAuditLogs TimeGenerated when the entry has no receiveTimestamp; `subscription` is the
 * Pub/Sub subscription it came through (gcpLogEntriesOf), for the Subscription column.
 */
export function normalizeGcpAuditEntry(entry: unknown, receivedAt: number, subscription?: string): GcpAuditOutcome {
  const e = objectOf(entry);
  if (e === undefined) return INVALID.not_an_object;
  const payloadValue = e.protoPayload;
  if (payloadValue === undefined || payloadValue === null) {
    return e.textPayload !== undefined || e.jsonPayload !== undefined ? SKIP.not_audit_log : INVALID.missing_protoPayload;
  }
  const payload = objectOf(payloadValue);
  if (payload === undefined) return INVALID.protoPayload_not_object;
  const typeUrl = payload['@type'];
  if (typeUrl !== undefined && typeUrl !== AUDIT_LOG_TYPE_URL) return SKIP.not_audit_log;
  const logName = textOf(e.logName);
  if (logName === undefined) return INVALID.missing_logName;
  const log = logNameParts(logName);
  if (typeUrl === undefined && !log.audit) return SKIP.not_audit_log;

  const gcpAuditLogs = toGcpAuditLogsRow(e, receivedAt, subscription);
  const time = gcpAuditLogs.Timestamp;
  if (time === undefined) return e.timestamp === undefined || e.timestamp === null ? INVALID.missing_timestamp : INVALID.bad_timestamp;
  const methodName = gcpAuditLogs.MethodName;
  if (methodName === undefined) return INVALID.missing_methodName;

  return { kind: 'rows', gcpAuditLogs, auditEvent: toAuditEvent(e, payload, log, gcpAuditLogs, time, methodName) };
}

function toAuditEvent(
  entry: LogEntryObject,
  payload: Readonly<Record<string, unknown>>,
  log: LogNameParts,
  table: GcpAuditLogsRow,
  time: string,
  methodName: string,
): AsimAuditEventRow {
  const status = objectOf(payload.status);
  const code = statusCodeOf(status);
  const success = code === undefined || code === SUCCESS_STATUS_CODE;
  const row = emptyAuditEventRow(time, GCP_AUDIT_VENDOR, GCP_AUDIT_PRODUCT, eventTypeOf(methodName), success ? 'Success' : 'Failure');

  row.EventSubType = log.subType;
  row.EventOriginalType = methodName;
  row.EventOriginalResultDetails = code === undefined ? undefined : String(code);
  row.EventSeverity = success ? 'Informational' : 'Low';
  row.EventOriginalSeverity = table.Severity;
  row.EventMessage = table.StatusMessage;
  row.EventUid = table.InsertId;
  row.EventOriginalUid = table.InsertId;
  row.Operation = methodName;

  // Object: the resource; without one, the service (B3's rule for CloudTrail), else the log's parent resource.
  const resourceName = table.GCPResourceName;
  row.Object = resourceName ?? table.ServiceName ?? log.parent;
  row.ObjectType = resourceName === undefined ? 'Other' : 'Cloud Resource';
  row.OriginalObjectType = table.GCPResourceType;
  row.Dvc = GCP_AUDIT_PRODUCT;

  const email = table.PrincipalEmail;
  if (email !== undefined) {
    row.ActorUsername = email;
    row.ActorUsernameType = email.includes('@') ? 'UPN' : 'Simple';
    row.ActorUserType = email.toLowerCase().endsWith(SERVICE_ACCOUNT_SUFFIX) ? 'Service' : 'Regular';
  }
  row.ActorScopeId = table.ProjectId;
  row.TargetDvcScopeId = table.ProjectId;

  const metadata = objectOf(payload.requestMetadata);
  const callerIp = textOf(metadata?.callerIp);
  row.SrcIpAddr = callerIp !== undefined && isIP(callerIp) !== 0 ? callerIp : undefined;
  row.HttpUserAgent = textOf(metadata?.callerSuppliedUserAgent);

  if (table.ServiceName !== undefined) {
    row.TargetAppName = table.ServiceName;
    row.TargetAppType = 'Service';
  }

  row.AdditionalFields = {
    LogName: table.LogName,
    ResourceLabels: objectOf(objectOf(entry.resource)?.labels),
    AuthorizationInfo: table.AuthorizationInfo,
    ResourceLocation: table.ResourceLocation,
  };

  // Aliases (schema, reference/asim.md §4): User = ActorUsername; Application = TargetAppName; IpAddr = Src =
  // SrcIpAddr (TargetIpAddr is never set).
  row.User = row.ActorUsername;
  row.Application = row.TargetAppName;
  row.IpAddr = row.SrcIpAddr;
  row.Src = row.SrcIpAddr;
  return row;
}
