/**
 * Sentinel GCPAuditLogs table row builder (reference/sentinel-tables.md §6). Pure and synchronous; never throws.
 * The row keeps one shape: every column is assigned, in GCP_AUDIT_LOGS_COLUMNS order, on every call, and
 * `undefined` means empty (left out by JSON.stringify).
 *
 * Mapping (proposed by the reference; no Microsoft document states it):
 * - TimeGenerated = `receiveTimestamp` (the table: "the time the log entry was received by logging"; Microsoft's
 *   own GCP connector DCR does `TimeGenerated = todatetime(receiveTimestamp)`), else the agent's receive time
 *   (else, if that is not a valid time, `timestamp`, else the epoch: never throws).
 *   Timestamp = `timestamp` (when the event occurred). Both RFC 3339, sent as ISO 8601 in ms (sub-ms digits are
 *   truncated, as everywhere in asimd). Like the CloudTrail parser, a space instead of `T` is accepted and a time
 *   without a zone is UTC (Panther's normalized `2024-03-05 07:08:09.000000000`); anything else is no time.
 * - String columns take strings as sent; numbers and booleans are written as text (`numResponseItems` is an
 *   int64, which proto3 JSON writes as a string but other encoders as a number); empty strings, objects and
 *   arrays leave a string column empty. `severity` given as its number is written as its LogSeverity name.
 * - Dynamic columns take the JSON value as sent (object, array or scalar); absent or null leaves them empty.
 * - Subscription comes from the Pub/Sub push envelope, not from the LogEntry (gcpLogEntriesOf).
 * - SourceSystem is not set (reference §6).
 */
import { parseRfc3339 } from '../syslog/timestamp.ts';
import { isoTime } from './iso-time.ts';
import type { ColumnType } from './syslog.ts';

/** What this normalizer emits (reference/sentinel-tables.md §1: a custom stream whose transform writes the table). */
export const GCP_AUDIT_LOGS_STREAM_SCHEMA = {
  table: 'GCPAuditLogs',
  stream: 'Custom-GCPAuditLogs',
  outputStream: 'Microsoft-GCPAuditLogs',
  version: '2024',
} as const;

/** A parsed LogEntry: a JSON object (the caller has checked it is one). */
export type LogEntryObject = Readonly<Record<string, unknown>>;

/** One row, fields in column order (= GCP_AUDIT_LOGS_COLUMNS). */
export interface GcpAuditLogsRow {
  TimeGenerated: string;
  Timestamp: string | undefined;
  InsertId: string | undefined;
  LogName: string | undefined;
  Severity: string | undefined;
  ProjectId: string | undefined;
  GCPResourceType: string | undefined;
  GCPResourceName: string | undefined;
  ServiceName: string | undefined;
  MethodName: string | undefined;
  PrincipalEmail: string | undefined;
  AuthenticationInfo: unknown;
  AuthorizationInfo: unknown;
  RequestMetadata: unknown;
  Request: unknown;
  Response: unknown;
  Metadata: unknown;
  ServiceData: unknown;
  ResourceLocation: unknown;
  ResourceOriginalState: unknown;
  NumResponseItems: string | undefined;
  Status: unknown;
  StatusMessage: string | undefined;
  Subscription: string | undefined;
  SourceSystem: string | undefined;
}

/** Columns of GcpAuditLogsRow in row order, with the table reference's types (for the DCR stream declaration). */
export const GCP_AUDIT_LOGS_COLUMNS: ReadonlyArray<{ name: keyof GcpAuditLogsRow; type: ColumnType }> = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'Timestamp', type: 'datetime' },
  { name: 'InsertId', type: 'string' },
  { name: 'LogName', type: 'string' },
  { name: 'Severity', type: 'string' },
  { name: 'ProjectId', type: 'string' },
  { name: 'GCPResourceType', type: 'string' },
  { name: 'GCPResourceName', type: 'string' },
  { name: 'ServiceName', type: 'string' },
  { name: 'MethodName', type: 'string' },
  { name: 'PrincipalEmail', type: 'string' },
  { name: 'AuthenticationInfo', type: 'dynamic' },
  { name: 'AuthorizationInfo', type: 'dynamic' },
  { name: 'RequestMetadata', type: 'dynamic' },
  { name: 'Request', type: 'dynamic' },
  { name: 'Response', type: 'dynamic' },
  { name: 'Metadata', type: 'dynamic' },
  { name: 'ServiceData', type: 'dynamic' },
  { name: 'ResourceLocation', type: 'dynamic' },
  { name: 'ResourceOriginalState', type: 'dynamic' },
  { name: 'NumResponseItems', type: 'string' },
  { name: 'Status', type: 'dynamic' },
  { name: 'StatusMessage', type: 'string' },
  { name: 'Subscription', type: 'string' },
  { name: 'SourceSystem', type: 'string' },
];

/** google.logging.type.LogSeverity numbers → names (proto3 JSON writes the name; parsers also accept the number). */
export const LOG_SEVERITY_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'DEFAULT'],
  [100, 'DEBUG'],
  [200, 'INFO'],
  [300, 'NOTICE'],
  [400, 'WARNING'],
  [500, 'ERROR'],
  [600, 'CRITICAL'],
  [700, 'ALERT'],
  [800, 'EMERGENCY'],
]);

/** A JSON object (not an array), or undefined. */
export function objectOf(v: unknown): Readonly<Record<string, unknown>> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** A string column's value: a non-empty string as is, a finite number or a boolean as text, else undefined. */
export function textOf(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  return undefined;
}

/** A dynamic column's value: anything but undefined/null, as sent. */
function dynamicOf(v: unknown): unknown {
  return v === null ? undefined : v;
}

/** 0000-01-01T00:00:00.000Z and 9999-12-31T23:59:59.999Z: the instants a datetime column can hold. */
const MIN_MS = -62_167_219_200_000;
const MAX_MS = 253_402_300_799_999;

function validMs(ms: number): boolean {
  return ms >= MIN_MS && ms <= MAX_MS;
}

/** An RFC 3339 time → ISO 8601 in ms, or undefined. A space for `T` and a missing zone (= UTC) are accepted. */
export function isoTimeOf(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined;
  const text = v.charCodeAt(10) === 32 ? `${v.slice(0, 10)}T${v.slice(11)}` : v;
  const ms = parseRfc3339(text, 0, text.length, false);
  return validMs(ms) ? isoTime(ms) : undefined;
}

function severityOf(v: unknown): string | undefined {
  if (typeof v === 'number') return LOG_SEVERITY_NAMES.get(v) ?? textOf(v);
  return textOf(v);
}

/**
 * The GCPAuditLogs row of one LogEntry. `receivedAt` (ms epoch) is TimeGenerated when the entry has no valid
 * `receiveTimestamp`; `subscription` is the Pub/Sub subscription it came through, if any.
 */
export function toGcpAuditLogsRow(entry: LogEntryObject, receivedAt: number, subscription?: string): GcpAuditLogsRow {
  const payload = objectOf(entry.protoPayload);
  const resource = objectOf(entry.resource);
  const labels = objectOf(resource?.labels);
  const authentication = payload?.authenticationInfo;
  const status = payload?.status;
  const timestamp = isoTimeOf(entry.timestamp);
  return {
    TimeGenerated: isoTimeOf(entry.receiveTimestamp) ?? (validMs(receivedAt) ? isoTime(receivedAt) : timestamp ?? isoTime(0)),
    Timestamp: timestamp,
    InsertId: textOf(entry.insertId),
    LogName: textOf(entry.logName),
    Severity: severityOf(entry.severity),
    ProjectId: textOf(labels?.project_id),
    GCPResourceType: textOf(resource?.type),
    GCPResourceName: textOf(payload?.resourceName),
    ServiceName: textOf(payload?.serviceName),
    MethodName: textOf(payload?.methodName),
    PrincipalEmail: textOf(objectOf(authentication)?.principalEmail),
    AuthenticationInfo: dynamicOf(authentication),
    AuthorizationInfo: dynamicOf(payload?.authorizationInfo),
    RequestMetadata: dynamicOf(payload?.requestMetadata),
    Request: dynamicOf(payload?.request),
    Response: dynamicOf(payload?.response),
    Metadata: dynamicOf(payload?.metadata),
    ServiceData: dynamicOf(payload?.serviceData),
    ResourceLocation: dynamicOf(payload?.resourceLocation),
    ResourceOriginalState: dynamicOf(payload?.resourceOriginalState),
    NumResponseItems: textOf(payload?.numResponseItems),
    Status: dynamicOf(status),
    StatusMessage: textOf(objectOf(status)?.message),
    Subscription: subscription === '' ? undefined : subscription,
    SourceSystem: undefined,
  };
}
