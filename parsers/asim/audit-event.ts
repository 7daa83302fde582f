/**
 * ASIM AuditEvent row (reference/asim.md §2, §4) for the ASimAuditEventLogs table, sent to the
 * `Custom-ASimAuditEventLogs` input stream. One fixed field order for every producer (CloudTrail now, GCP audit
 * logs next): `emptyAuditEventRow` builds every key in column order, producers only assign existing keys, so rows
 * keep one shape (STYLE §10). `undefined` means empty and is left out by JSON.stringify.
 *
 * The column set is the ASimAuditEventLogs table's (Azure Monitor table reference, `asimauditeventlogs`), minus
 * the system columns (TenantId, Type, SourceSystem, _ResourceId, _SubscriptionId, _BilledSize, _IsBillable), plus
 * the schema fields and aliases the native table computes at query time (ASIM_AUDIT_EVENT_QUERY_TIME_COLUMNS).
 */
import type { ColumnType } from '../tables/syslog.ts';
import type { DomainType, EventResult, EventSeverity, UsernameType } from './authentication.ts';

export type { DomainType, EventResult, EventSeverity, UsernameType } from './authentication.ts';

/**
 * What rows of this schema are, and where they go. Version `0.1` is the one the AuditEvent schema document
 * states; Microsoft's AuditEvent parsers emit `0.1.2` (reference/asim.md §10 B6). Change it here only.
 */
export const ASIM_AUDIT_EVENT_SCHEMA = {
  schema: 'AuditEvent',
  version: '0.1',
  table: 'ASimAuditEventLogs',
  stream: 'Custom-ASimAuditEventLogs',
  outputStream: 'Microsoft-ASimAuditEventLogs',
} as const;

/** AuditEvent EventType (reference/asim.md §4). The schema document says to avoid `Other` where possible. */
export type AuditEventType = 'Set' | 'Read' | 'Create' | 'Delete' | 'Execute' | 'Install' | 'Clear' | 'Enable' | 'Disable' | 'Other';
export const AUDIT_EVENT_TYPES: readonly AuditEventType[] = ['Set', 'Read', 'Create', 'Delete', 'Execute', 'Install', 'Clear', 'Enable', 'Disable', 'Other'];

/** ObjectType (Mandatory; reference/asim.md §4). */
export type AuditObjectType = 'Cloud Resource' | 'Configuration Atom' | 'Policy Rule' | 'Other';

/**
 * One row, fields in column order (= ASIM_AUDIT_EVENT_COLUMNS). `Operation` and `Object`/`ObjectType` are
 * Mandatory in the schema: every producer sets them.
 */
export interface AsimAuditEventRow {
  TimeGenerated: string;
  EventSchema: 'AuditEvent';
  EventSchemaVersion: string;
  EventVendor: string;
  EventProduct: string;
  EventProductVersion: string | undefined;
  EventType: AuditEventType;
  EventSubType: string | undefined;
  EventOriginalType: string | undefined;
  EventOriginalSubType: string | undefined;
  EventResult: EventResult;
  EventResultDetails: string | undefined;
  EventOriginalResultDetails: string | undefined;
  EventSeverity: EventSeverity | undefined;
  EventOriginalSeverity: string | undefined;
  EventMessage: string | undefined;
  EventCount: number;
  EventStartTime: string;
  EventEndTime: string;
  EventUid: string | undefined;
  EventOriginalUid: string | undefined;
  EventOwner: string | undefined;
  EventReportUrl: string | undefined;
  Operation: string | undefined;
  Object: string | undefined;
  ObjectId: string | undefined;
  ObjectType: AuditObjectType | undefined;
  OriginalObjectType: string | undefined;
  OldValue: string | undefined;
  NewValue: string | undefined;
  ValueType: string | undefined;
  Dvc: string | undefined;
  DvcAction: string | undefined;
  DvcOriginalAction: string | undefined;
  DvcDescription: string | undefined;
  DvcDomain: string | undefined;
  DvcDomainType: DomainType | undefined;
  DvcFQDN: string | undefined;
  DvcHostname: string | undefined;
  DvcId: string | undefined;
  DvcIdType: string | undefined;
  DvcInterface: string | undefined;
  DvcIpAddr: string | undefined;
  DvcMacAddr: string | undefined;
  DvcOs: string | undefined;
  DvcOsVersion: string | undefined;
  DvcScope: string | undefined;
  DvcScopeId: string | undefined;
  DvcZone: string | undefined;
  ActorUserId: string | undefined;
  ActorUserIdType: string | undefined;
  ActorUsername: string | undefined;
  ActorUsernameType: UsernameType | undefined;
  ActorUserType: string | undefined;
  ActorOriginalUserType: string | undefined;
  ActorScope: string | undefined;
  ActorScopeId: string | undefined;
  ActorSessionId: string | undefined;
  ActorUserAadId: string | undefined;
  ActorUserSid: string | undefined;
  ActingAppId: string | undefined;
  ActingAppName: string | undefined;
  ActingAppType: string | undefined;
  ActingOriginalAppType: string | undefined;
  HttpUserAgent: string | undefined;
  SrcIpAddr: string | undefined;
  SrcPortNumber: number | undefined;
  SrcHostname: string | undefined;
  SrcDomain: string | undefined;
  SrcDomainType: DomainType | undefined;
  SrcFQDN: string | undefined;
  SrcDescription: string | undefined;
  SrcDeviceType: string | undefined;
  SrcDvcId: string | undefined;
  SrcDvcIdType: string | undefined;
  SrcDvcScope: string | undefined;
  SrcDvcScopeId: string | undefined;
  SrcGeoCountry: string | undefined;
  SrcGeoRegion: string | undefined;
  SrcGeoCity: string | undefined;
  SrcGeoLatitude: number | undefined;
  SrcGeoLongitude: number | undefined;
  SrcRiskLevel: number | undefined;
  SrcOriginalRiskLevel: string | undefined;
  TargetAppId: string | undefined;
  TargetAppName: string | undefined;
  TargetAppType: string | undefined;
  TargetOriginalAppType: string | undefined;
  TargetUrl: string | undefined;
  TargetHostname: string | undefined;
  TargetDomain: string | undefined;
  TargetDomainType: DomainType | undefined;
  TargetFQDN: string | undefined;
  TargetDescription: string | undefined;
  TargetDeviceType: string | undefined;
  TargetDvcId: string | undefined;
  TargetDvcIdType: string | undefined;
  TargetDvcOs: string | undefined;
  TargetDvcScope: string | undefined;
  TargetDvcScopeId: string | undefined;
  TargetIpAddr: string | undefined;
  TargetPortNumber: number | undefined;
  TargetGeoCountry: string | undefined;
  TargetGeoRegion: string | undefined;
  TargetGeoCity: string | undefined;
  TargetGeoLatitude: number | undefined;
  TargetGeoLongitude: number | undefined;
  TargetRiskLevel: number | undefined;
  TargetOriginalRiskLevel: string | undefined;
  RuleName: string | undefined;
  RuleNumber: number | undefined;
  ThreatId: string | undefined;
  ThreatName: string | undefined;
  ThreatCategory: string | undefined;
  ThreatRiskLevel: number | undefined;
  ThreatOriginalRiskLevel: string | undefined;
  ThreatConfidence: number | undefined;
  ThreatOriginalConfidence: string | undefined;
  ThreatIsActive: boolean | undefined;
  ThreatFirstReportedTime: string | undefined;
  ThreatLastReportedTime: string | undefined;
  ThreatIpAddr: string | undefined;
  ThreatField: string | undefined;
  AdditionalFields: Record<string, unknown> | undefined;
  User: string | undefined;
  Application: string | undefined;
  Value: string | undefined;
  Rule: string | undefined;
  IpAddr: string | undefined;
  Src: string | undefined;
  Dst: string | undefined;
}

/**
 * Columns of AsimAuditEventRow in row order, with DCR stream-declaration types (the table reference's types:
 * `int` for counts, ports, risk levels and RuleNumber, `real` for coordinates, `datetime` for times, `boolean`
 * for ThreatIsActive, `dynamic` for AdditionalFields).
 */
export const ASIM_AUDIT_EVENT_COLUMNS: ReadonlyArray<{ name: string; type: ColumnType }> = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'EventSchema', type: 'string' },
  { name: 'EventSchemaVersion', type: 'string' },
  { name: 'EventVendor', type: 'string' },
  { name: 'EventProduct', type: 'string' },
  { name: 'EventProductVersion', type: 'string' },
  { name: 'EventType', type: 'string' },
  { name: 'EventSubType', type: 'string' },
  { name: 'EventOriginalType', type: 'string' },
  { name: 'EventOriginalSubType', type: 'string' },
  { name: 'EventResult', type: 'string' },
  { name: 'EventResultDetails', type: 'string' },
  { name: 'EventOriginalResultDetails', type: 'string' },
  { name: 'EventSeverity', type: 'string' },
  { name: 'EventOriginalSeverity', type: 'string' },
  { name: 'EventMessage', type: 'string' },
  { name: 'EventCount', type: 'int' },
  { name: 'EventStartTime', type: 'datetime' },
  { name: 'EventEndTime', type: 'datetime' },
  { name: 'EventUid', type: 'string' },
  { name: 'EventOriginalUid', type: 'string' },
  { name: 'EventOwner', type: 'string' },
  { name: 'EventReportUrl', type: 'string' },
  { name: 'Operation', type: 'string' },
  { name: 'Object', type: 'string' },
  { name: 'ObjectId', type: 'string' },
  { name: 'ObjectType', type: 'string' },
  { name: 'OriginalObjectType', type: 'string' },
  { name: 'OldValue', type: 'string' },
  { name: 'NewValue', type: 'string' },
  { name: 'ValueType', type: 'string' },
  { name: 'Dvc', type: 'string' },
  { name: 'DvcAction', type: 'string' },
  { name: 'DvcOriginalAction', type: 'string' },
  { name: 'DvcDescription', type: 'string' },
  { name: 'DvcDomain', type: 'string' },
  { name: 'DvcDomainType', type: 'string' },
  { name: 'DvcFQDN', type: 'string' },
  { name: 'DvcHostname', type: 'string' },
  { name: 'DvcId', type: 'string' },
  { name: 'DvcIdType', type: 'string' },
  { name: 'DvcInterface', type: 'string' },
  { name: 'DvcIpAddr', type: 'string' },
  { name: 'DvcMacAddr', type: 'string' },
  { name: 'DvcOs', type: 'string' },
  { name: 'DvcOsVersion', type: 'string' },
  { name: 'DvcScope', type: 'string' },
  { name: 'DvcScopeId', type: 'string' },
  { name: 'DvcZone', type: 'string' },
  { name: 'ActorUserId', type: 'string' },
  { name: 'ActorUserIdType', type: 'string' },
  { name: 'ActorUsername', type: 'string' },
  { name: 'ActorUsernameType', type: 'string' },
  { name: 'ActorUserType', type: 'string' },
  { name: 'ActorOriginalUserType', type: 'string' },
  { name: 'ActorScope', type: 'string' },
  { name: 'ActorScopeId', type: 'string' },
  { name: 'ActorSessionId', type: 'string' },
  { name: 'ActorUserAadId', type: 'string' },
  { name: 'ActorUserSid', type: 'string' },
  { name: 'ActingAppId', type: 'string' },
  { name: 'ActingAppName', type: 'string' },
  { name: 'ActingAppType', type: 'string' },
  { name: 'ActingOriginalAppType', type: 'string' },
  { name: 'HttpUserAgent', type: 'string' },
  { name: 'SrcIpAddr', type: 'string' },
  { name: 'SrcPortNumber', type: 'int' },
  { name: 'SrcHostname', type: 'string' },
  { name: 'SrcDomain', type: 'string' },
  { name: 'SrcDomainType', type: 'string' },
  { name: 'SrcFQDN', type: 'string' },
  { name: 'SrcDescription', type: 'string' },
  { name: 'SrcDeviceType', type: 'string' },
  { name: 'SrcDvcId', type: 'string' },
  { name: 'SrcDvcIdType', type: 'string' },
  { name: 'SrcDvcScope', type: 'string' },
  { name: 'SrcDvcScopeId', type: 'string' },
  { name: 'SrcGeoCountry', type: 'string' },
  { name: 'SrcGeoRegion', type: 'string' },
  { name: 'SrcGeoCity', type: 'string' },
  { name: 'SrcGeoLatitude', type: 'real' },
  { name: 'SrcGeoLongitude', type: 'real' },
  { name: 'SrcRiskLevel', type: 'int' },
  { name: 'SrcOriginalRiskLevel', type: 'string' },
  { name: 'TargetAppId', type: 'string' },
  { name: 'TargetAppName', type: 'string' },
  { name: 'TargetAppType', type: 'string' },
  { name: 'TargetOriginalAppType', type: 'string' },
  { name: 'TargetUrl', type: 'string' },
  { name: 'TargetHostname', type: 'string' },
  { name: 'TargetDomain', type: 'string' },
  { name: 'TargetDomainType', type: 'string' },
  { name: 'TargetFQDN', type: 'string' },
  { name: 'TargetDescription', type: 'string' },
  { name: 'TargetDeviceType', type: 'string' },
  { name: 'TargetDvcId', type: 'string' },
  { name: 'TargetDvcIdType', type: 'string' },
  { name: 'TargetDvcOs', type: 'string' },
  { name: 'TargetDvcScope', type: 'string' },
  { name: 'TargetDvcScopeId', type: 'string' },
  { name: 'TargetIpAddr', type: 'string' },
  { name: 'TargetPortNumber', type: 'int' },
  { name: 'TargetGeoCountry', type: 'string' },
  { name: 'TargetGeoRegion', type: 'string' },
  { name: 'TargetGeoCity', type: 'string' },
  { name: 'TargetGeoLatitude', type: 'real' },
  { name: 'TargetGeoLongitude', type: 'real' },
  { name: 'TargetRiskLevel', type: 'int' },
  { name: 'TargetOriginalRiskLevel', type: 'string' },
  { name: 'RuleName', type: 'string' },
  { name: 'RuleNumber', type: 'int' },
  { name: 'ThreatId', type: 'string' },
  { name: 'ThreatName', type: 'string' },
  { name: 'ThreatCategory', type: 'string' },
  { name: 'ThreatRiskLevel', type: 'int' },
  { name: 'ThreatOriginalRiskLevel', type: 'string' },
  { name: 'ThreatConfidence', type: 'int' },
  { name: 'ThreatOriginalConfidence', type: 'string' },
  { name: 'ThreatIsActive', type: 'boolean' },
  { name: 'ThreatFirstReportedTime', type: 'datetime' },
  { name: 'ThreatLastReportedTime', type: 'datetime' },
  { name: 'ThreatIpAddr', type: 'string' },
  { name: 'ThreatField', type: 'string' },
  { name: 'AdditionalFields', type: 'dynamic' },
  { name: 'User', type: 'string' },
  { name: 'Application', type: 'string' },
  { name: 'Value', type: 'string' },
  { name: 'Rule', type: 'string' },
  { name: 'IpAddr', type: 'string' },
  { name: 'Src', type: 'string' },
  { name: 'Dst', type: 'string' },
];

/**
 * Schema fields the ASimAuditEventLogs table has no column for. Microsoft's native parser (ASimAuditEventNative)
 * adds `Value`, `User`, `Application` and `Dst` at query time; the table has no `EventSchema`, `EventUid`
 * (`_ItemId` is its unique id), `Dvc`, `Rule`, `IpAddr` or `Src` column either. A DCR that writes the native
 * table drops them in its transform (ASIM_AUDIT_EVENT_NATIVE_TRANSFORM); a custom table keeps them.
 */
export const ASIM_AUDIT_EVENT_QUERY_TIME_COLUMNS: readonly string[] = [
  'EventSchema',
  'EventUid',
  'Dvc',
  'User',
  'Application',
  'Value',
  'Rule',
  'IpAddr',
  'Src',
  'Dst',
];

/** transformKql for `Custom-ASimAuditEventLogs` → `Microsoft-ASimAuditEventLogs`. */
export const ASIM_AUDIT_EVENT_NATIVE_TRANSFORM = `source | project-away ${ASIM_AUDIT_EVENT_QUERY_TIME_COLUMNS.join(', ')}`;

/**
 * A row with every key present in column order: Mandatory fields set from the arguments, the rest empty
 * (`Operation`, `Object` and `ObjectType` are Mandatory too; the producer sets them). `time` is the ISO
 * TimeGenerated, also used for EventStartTime and EventEndTime.
 */
export function emptyAuditEventRow(
  time: string,
  vendor: string,
  product: string,
  eventType: AuditEventType,
  result: EventResult,
): AsimAuditEventRow {
  return {
    TimeGenerated: time,
    EventSchema: 'AuditEvent',
    EventSchemaVersion: ASIM_AUDIT_EVENT_SCHEMA.version,
    EventVendor: vendor,
    EventProduct: product,
    EventProductVersion: undefined,
    EventType: eventType,
    EventSubType: undefined,
    EventOriginalType: undefined,
    EventOriginalSubType: undefined,
    EventResult: result,
    EventResultDetails: undefined,
    EventOriginalResultDetails: undefined,
    EventSeverity: undefined,
    EventOriginalSeverity: undefined,
    EventMessage: undefined,
    EventCount: 1,
    EventStartTime: time,
    EventEndTime: time,
    EventUid: undefined,
    EventOriginalUid: undefined,
    EventOwner: undefined,
    EventReportUrl: undefined,
    Operation: undefined,
    Object: undefined,
    ObjectId: undefined,
    ObjectType: undefined,
    OriginalObjectType: undefined,
    OldValue: undefined,
    NewValue: undefined,
    ValueType: undefined,
    Dvc: undefined,
    DvcAction: undefined,
    DvcOriginalAction: undefined,
    DvcDescription: undefined,
    DvcDomain: undefined,
    DvcDomainType: undefined,
    DvcFQDN: undefined,
    DvcHostname: undefined,
    DvcId: undefined,
    DvcIdType: undefined,
    DvcInterface: undefined,
    DvcIpAddr: undefined,
    DvcMacAddr: undefined,
    DvcOs: undefined,
    DvcOsVersion: undefined,
    DvcScope: undefined,
    DvcScopeId: undefined,
    DvcZone: undefined,
    ActorUserId: undefined,
    ActorUserIdType: undefined,
    ActorUsername: undefined,
    ActorUsernameType: undefined,
    ActorUserType: undefined,
    ActorOriginalUserType: undefined,
    ActorScope: undefined,
    ActorScopeId: undefined,
    ActorSessionId: undefined,
    ActorUserAadId: undefined,
    ActorUserSid: undefined,
    ActingAppId: undefined,
    ActingAppName: undefined,
    ActingAppType: undefined,
    ActingOriginalAppType: undefined,
    HttpUserAgent: undefined,
    SrcIpAddr: undefined,
    SrcPortNumber: undefined,
    SrcHostname: undefined,
    SrcDomain: undefined,
    SrcDomainType: undefined,
    SrcFQDN: undefined,
    SrcDescription: undefined,
    SrcDeviceType: undefined,
    SrcDvcId: undefined,
    SrcDvcIdType: undefined,
    SrcDvcScope: undefined,
    SrcDvcScopeId: undefined,
    SrcGeoCountry: undefined,
    SrcGeoRegion: undefined,
    SrcGeoCity: undefined,
    SrcGeoLatitude: undefined,
    SrcGeoLongitude: undefined,
    SrcRiskLevel: undefined,
    SrcOriginalRiskLevel: undefined,
    TargetAppId: undefined,
    TargetAppName: undefined,
    TargetAppType: undefined,
    TargetOriginalAppType: undefined,
    TargetUrl: undefined,
    TargetHostname: undefined,
    TargetDomain: undefined,
    TargetDomainType: undefined,
    TargetFQDN: undefined,
    TargetDescription: undefined,
    TargetDeviceType: undefined,
    TargetDvcId: undefined,
    TargetDvcIdType: undefined,
    TargetDvcOs: undefined,
    TargetDvcScope: undefined,
    TargetDvcScopeId: undefined,
    TargetIpAddr: undefined,
    TargetPortNumber: undefined,
    TargetGeoCountry: undefined,
    TargetGeoRegion: undefined,
    TargetGeoCity: undefined,
    TargetGeoLatitude: undefined,
    TargetGeoLongitude: undefined,
    TargetRiskLevel: undefined,
    TargetOriginalRiskLevel: undefined,
    RuleName: undefined,
    RuleNumber: undefined,
    ThreatId: undefined,
    ThreatName: undefined,
    ThreatCategory: undefined,
    ThreatRiskLevel: undefined,
    ThreatOriginalRiskLevel: undefined,
    ThreatConfidence: undefined,
    ThreatOriginalConfidence: undefined,
    ThreatIsActive: undefined,
    ThreatFirstReportedTime: undefined,
    ThreatLastReportedTime: undefined,
    ThreatIpAddr: undefined,
    ThreatField: undefined,
    AdditionalFields: undefined,
    User: undefined,
    Application: undefined,
    Value: undefined,
    Rule: undefined,
    IpAddr: undefined,
    Src: undefined,
    Dst: undefined,
  };
}

/** One row of a verb table: `exact` compares the whole name, `prefix` tests `name.startsWith(match)`. */
export interface AuditVerbRule {
  readonly match: string;
  readonly kind: 'exact' | 'prefix';
  readonly type: AuditEventType;
}

/**
 * Compiles a verb table (first match wins, order matters) into a lookup function; names no rule matches get
 * `fallback`. The logic is shared, the tables are per source (CloudTrail's is in parsers/aws-cloudtrail/verbs.ts).
 * Rules are bucketed by their first character, keeping table order inside a bucket, so a lookup tests only the
 * few rules that can match. Case-sensitive: a source that wants case-insensitive matching lowercases both its
 * table and the name.
 */
export function auditVerbLookup(rules: readonly AuditVerbRule[], fallback: AuditEventType = 'Other'): (name: string) => AuditEventType {
  const buckets = new Map<number, AuditVerbRule[]>();
  const emptyRules: AuditVerbRule[] = [];
  for (const rule of rules) {
    if (rule.match.length === 0) {
      // An empty prefix matches every name, so it belongs to every bucket at its position.
      emptyRules.push(rule);
      for (const bucket of buckets.values()) bucket.push(rule);
      continue;
    }
    const key = rule.match.charCodeAt(0);
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      bucket = [...emptyRules];
      buckets.set(key, bucket);
    }
    bucket.push(rule);
  }
  return (name: string): AuditEventType => {
    const bucket = buckets.get(name.charCodeAt(0)) ?? emptyRules;
    for (const rule of bucket) {
      if (rule.kind === 'exact' ? name === rule.match : name.startsWith(rule.match)) return rule.type;
    }
    return fallback;
  };
}
