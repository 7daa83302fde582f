/**
 * ASIM Authentication row (reference/asim.md §2, §3) for the ASimAuthenticationEventLogs table, sent to the
 * `Custom-ASimAuthenticationEventLogs` input stream. One fixed field order for every producer (syslog sshd/su/
 * sudo now, CloudTrail ConsoleLogin later): `emptyAuthenticationRow` builds every key in column order, producers
 * only assign existing keys, so rows keep one shape. `undefined` means empty and is left out by JSON.stringify.
 */
import type { ColumnType } from '../tables/syslog.ts';

/** What rows of this schema are, and where they go (reference/sentinel-tables.md §1, §7). */
export const ASIM_AUTHENTICATION_SCHEMA = {
  schema: 'Authentication',
  version: '0.1.3',
  table: 'ASimAuthenticationEventLogs',
  stream: 'Custom-ASimAuthenticationEventLogs',
  outputStream: 'Microsoft-ASimAuthenticationEventLogs',
} as const;

export type AuthEventType = 'Logon' | 'Logoff' | 'Elevate';
export type AuthEventSubType = 'System' | 'Interactive' | 'RemoteInteractive' | 'Service' | 'RemoteService' | 'Remote' | 'AssumeRole';
export type EventResult = 'Success' | 'Partial' | 'Failure' | 'NA';
export type AuthEventResultDetails =
  | 'No such user or password'
  | 'No such user'
  | 'Incorrect password'
  | 'Incorrect key'
  | 'Account expired'
  | 'Password expired'
  | 'User locked'
  | 'User disabled'
  | 'Logon violates policy'
  | 'Session expired'
  | 'Other';
export type EventSeverity = 'Informational' | 'Low' | 'Medium' | 'High';
export type DomainType = 'FQDN' | 'Windows';
export type UsernameType = 'UPN' | 'Windows' | 'DN' | 'Simple' | 'Unknown';

/** One row, fields in column order (= ASIM_AUTHENTICATION_COLUMNS). */
export interface AsimAuthenticationRow {
  TimeGenerated: string;
  EventSchema: 'Authentication';
  EventSchemaVersion: string;
  EventVendor: string;
  EventProduct: string;
  EventProductVersion: string | undefined;
  EventType: AuthEventType;
  EventSubType: AuthEventSubType | undefined;
  EventOriginalType: string | undefined;
  EventResult: EventResult;
  EventResultDetails: AuthEventResultDetails | undefined;
  EventOriginalResultDetails: string | undefined;
  EventSeverity: EventSeverity | undefined;
  EventCount: number;
  EventStartTime: string;
  EventEndTime: string;
  EventOriginalUid: string | undefined;
  Dvc: string | undefined;
  DvcHostname: string | undefined;
  DvcDomain: string | undefined;
  DvcDomainType: DomainType | undefined;
  DvcFQDN: string | undefined;
  DvcIpAddr: string | undefined;
  DvcId: string | undefined;
  DvcIdType: string | undefined;
  DvcScopeId: string | undefined;
  DvcOs: string | undefined;
  DvcAction: string | undefined;
  LogonMethod: string | undefined;
  LogonProtocol: string | undefined;
  ActorUsername: string | undefined;
  ActorUsernameType: UsernameType | undefined;
  ActingAppId: string | undefined;
  ActingAppType: string | undefined;
  HttpUserAgent: string | undefined;
  SrcIpAddr: string | undefined;
  SrcPortNumber: number | undefined;
  SrcHostname: string | undefined;
  SrcDomain: string | undefined;
  SrcDomainType: DomainType | undefined;
  SrcFQDN: string | undefined;
  SrcDeviceType: string | undefined;
  TargetUsername: string | undefined;
  TargetUsernameType: UsernameType | undefined;
  TargetUserId: string | undefined;
  TargetUserIdType: string | undefined;
  TargetUserType: string | undefined;
  TargetOriginalUserType: string | undefined;
  TargetUserScopeId: string | undefined;
  TargetAppId: string | undefined;
  TargetAppName: string | undefined;
  TargetAppType: string | undefined;
  TargetUrl: string | undefined;
  LogonTarget: string | undefined;
  TargetHostname: string | undefined;
  TargetDomain: string | undefined;
  TargetDomainType: DomainType | undefined;
  TargetFQDN: string | undefined;
  TargetIpAddr: string | undefined;
  TargetDvcId: string | undefined;
  TargetDvcIdType: string | undefined;
  TargetDvcScopeId: string | undefined;
  TargetDvcOs: string | undefined;
  RuleName: string | undefined;
  AdditionalFields: Record<string, unknown> | undefined;
  // Aliases (§3): native table queries compute them; custom tables store them.
  User: string | undefined;
  IpAddr: string | undefined;
  Src: string | undefined;
  Dst: string | undefined;
  Rule: string | undefined;
}

/**
 * Columns of AsimAuthenticationRow in row order, with DCR stream-declaration types (the table reference's types;
 * `int` for counts and ports, `datetime` for times). Every name is an ASimAuthenticationEventLogs column or an
 * Authentication-schema field; the ones the native table lacks are in ASIM_AUTHENTICATION_QUERY_TIME_COLUMNS.
 */
export const ASIM_AUTHENTICATION_COLUMNS: ReadonlyArray<{ name: string; type: ColumnType }> = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'EventSchema', type: 'string' },
  { name: 'EventSchemaVersion', type: 'string' },
  { name: 'EventVendor', type: 'string' },
  { name: 'EventProduct', type: 'string' },
  { name: 'EventProductVersion', type: 'string' },
  { name: 'EventType', type: 'string' },
  { name: 'EventSubType', type: 'string' },
  { name: 'EventOriginalType', type: 'string' },
  { name: 'EventResult', type: 'string' },
  { name: 'EventResultDetails', type: 'string' },
  { name: 'EventOriginalResultDetails', type: 'string' },
  { name: 'EventSeverity', type: 'string' },
  { name: 'EventCount', type: 'int' },
  { name: 'EventStartTime', type: 'datetime' },
  { name: 'EventEndTime', type: 'datetime' },
  { name: 'EventOriginalUid', type: 'string' },
  { name: 'Dvc', type: 'string' },
  { name: 'DvcHostname', type: 'string' },
  { name: 'DvcDomain', type: 'string' },
  { name: 'DvcDomainType', type: 'string' },
  { name: 'DvcFQDN', type: 'string' },
  { name: 'DvcIpAddr', type: 'string' },
  { name: 'DvcId', type: 'string' },
  { name: 'DvcIdType', type: 'string' },
  { name: 'DvcScopeId', type: 'string' },
  { name: 'DvcOs', type: 'string' },
  { name: 'DvcAction', type: 'string' },
  { name: 'LogonMethod', type: 'string' },
  { name: 'LogonProtocol', type: 'string' },
  { name: 'ActorUsername', type: 'string' },
  { name: 'ActorUsernameType', type: 'string' },
  { name: 'ActingAppId', type: 'string' },
  { name: 'ActingAppType', type: 'string' },
  { name: 'HttpUserAgent', type: 'string' },
  { name: 'SrcIpAddr', type: 'string' },
  { name: 'SrcPortNumber', type: 'int' },
  { name: 'SrcHostname', type: 'string' },
  { name: 'SrcDomain', type: 'string' },
  { name: 'SrcDomainType', type: 'string' },
  { name: 'SrcFQDN', type: 'string' },
  { name: 'SrcDeviceType', type: 'string' },
  { name: 'TargetUsername', type: 'string' },
  { name: 'TargetUsernameType', type: 'string' },
  { name: 'TargetUserId', type: 'string' },
  { name: 'TargetUserIdType', type: 'string' },
  { name: 'TargetUserType', type: 'string' },
  { name: 'TargetOriginalUserType', type: 'string' },
  { name: 'TargetUserScopeId', type: 'string' },
  { name: 'TargetAppId', type: 'string' },
  { name: 'TargetAppName', type: 'string' },
  { name: 'TargetAppType', type: 'string' },
  { name: 'TargetUrl', type: 'string' },
  { name: 'LogonTarget', type: 'string' },
  { name: 'TargetHostname', type: 'string' },
  { name: 'TargetDomain', type: 'string' },
  { name: 'TargetDomainType', type: 'string' },
  { name: 'TargetFQDN', type: 'string' },
  { name: 'TargetIpAddr', type: 'string' },
  { name: 'TargetDvcId', type: 'string' },
  { name: 'TargetDvcIdType', type: 'string' },
  { name: 'TargetDvcScopeId', type: 'string' },
  { name: 'TargetDvcOs', type: 'string' },
  { name: 'RuleName', type: 'string' },
  { name: 'AdditionalFields', type: 'dynamic' },
  { name: 'User', type: 'string' },
  { name: 'IpAddr', type: 'string' },
  { name: 'Src', type: 'string' },
  { name: 'Dst', type: 'string' },
  { name: 'Rule', type: 'string' },
];

/**
 * Schema fields the ASimAuthenticationEventLogs table has no column for: Microsoft's native parser
 * (ASimAuthenticationNative) adds EventSchema and the aliases at query time. A DCR that writes the native table
 * drops them in its transform (ASIM_AUTHENTICATION_NATIVE_TRANSFORM); a custom table keeps them.
 */
export const ASIM_AUTHENTICATION_QUERY_TIME_COLUMNS: readonly string[] = ['EventSchema', 'Dvc', 'LogonTarget', 'User', 'IpAddr', 'Src', 'Dst', 'Rule'];

/** transformKql for `Custom-ASimAuthenticationEventLogs` → `Microsoft-ASimAuthenticationEventLogs`. */
export const ASIM_AUTHENTICATION_NATIVE_TRANSFORM = `source | project-away ${ASIM_AUTHENTICATION_QUERY_TIME_COLUMNS.join(', ')}`;

/**
 * A row with every key present in column order: Mandatory fields set from the arguments, the rest empty.
 * `time` is the ISO TimeGenerated, also used for EventStartTime and EventEndTime.
 */
export function emptyAuthenticationRow(
  time: string,
  vendor: string,
  product: string,
  eventType: AuthEventType,
  result: EventResult,
): AsimAuthenticationRow {
  return {
    TimeGenerated: time,
    EventSchema: 'Authentication',
    EventSchemaVersion: ASIM_AUTHENTICATION_SCHEMA.version,
    EventVendor: vendor,
    EventProduct: product,
    EventProductVersion: undefined,
    EventType: eventType,
    EventSubType: undefined,
    EventOriginalType: undefined,
    EventResult: result,
    EventResultDetails: undefined,
    EventOriginalResultDetails: undefined,
    EventSeverity: undefined,
    EventCount: 1,
    EventStartTime: time,
    EventEndTime: time,
    EventOriginalUid: undefined,
    Dvc: undefined,
    DvcHostname: undefined,
    DvcDomain: undefined,
    DvcDomainType: undefined,
    DvcFQDN: undefined,
    DvcIpAddr: undefined,
    DvcId: undefined,
    DvcIdType: undefined,
    DvcScopeId: undefined,
    DvcOs: undefined,
    DvcAction: undefined,
    LogonMethod: undefined,
    LogonProtocol: undefined,
    ActorUsername: undefined,
    ActorUsernameType: undefined,
    ActingAppId: undefined,
    ActingAppType: undefined,
    HttpUserAgent: undefined,
    SrcIpAddr: undefined,
    SrcPortNumber: undefined,
    SrcHostname: undefined,
    SrcDomain: undefined,
    SrcDomainType: undefined,
    SrcFQDN: undefined,
    SrcDeviceType: undefined,
    TargetUsername: undefined,
    TargetUsernameType: undefined,
    TargetUserId: undefined,
    TargetUserIdType: undefined,
    TargetUserType: undefined,
    TargetOriginalUserType: undefined,
    TargetUserScopeId: undefined,
    TargetAppId: undefined,
    TargetAppName: undefined,
    TargetAppType: undefined,
    TargetUrl: undefined,
    LogonTarget: undefined,
    TargetHostname: undefined,
    TargetDomain: undefined,
    TargetDomainType: undefined,
    TargetFQDN: undefined,
    TargetIpAddr: undefined,
    TargetDvcId: undefined,
    TargetDvcIdType: undefined,
    TargetDvcScopeId: undefined,
    TargetDvcOs: undefined,
    RuleName: undefined,
    AdditionalFields: undefined,
    User: undefined,
    IpAddr: undefined,
    Src: undefined,
    Dst: undefined,
    Rule: undefined,
  };
}
