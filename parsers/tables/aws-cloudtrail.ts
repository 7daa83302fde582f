/**
 * Sentinel AWSCloudTrail table row builder (reference/sentinel-tables.md §5): one row per CloudTrail record,
 * columns named and typed as the table is (Azure Monitor table reference, plus UserIdentityUserId and
 * UserIdentityStoreArn, which Microsoft's own 2025 export of the table carries). Pure; every field is assigned
 * in the same order on every call, so rows keep one shape. `undefined` = empty (left out by JSON.stringify).
 *
 * JSON sub-objects (requestParameters, responseElements, additionalEventData, serviceEventDetails, resources)
 * are `string` columns in the table: they are stored as JSON text. The caller has validated the record's
 * mandatory fields (eventTime as an ISO instant, eventName, eventSource) and passes the normalized time.
 */
import type { ColumnType } from './syslog.ts';
import type { CloudTrailRecord } from '../aws-cloudtrail/record.ts';
import { booleanOf, isoTimeOf, jsonTextOf, objectOf, stringOf } from '../aws-cloudtrail/record.ts';

/** What this builder emits. The stream is a custom one written to the built-in table (sentinel-tables.md §1). */
export const AWS_CLOUDTRAIL_TABLE = {
  table: 'AWSCloudTrail',
  stream: 'Custom-AWSCloudTrail',
  outputStream: 'Microsoft-AWSCloudTrail',
} as const;

/** `OperationName` is documented as the constant `CloudTrail`. */
export const AWS_CLOUDTRAIL_OPERATION_NAME = 'CloudTrail';

/** One row, fields in column order (= AWS_CLOUDTRAIL_COLUMNS; the order of Microsoft's table export). */
export interface AwsCloudTrailRow {
  TimeGenerated: string;
  AwsEventId: string | undefined;
  EventVersion: string | undefined;
  EventSource: string;
  EventTypeName: string | undefined;
  EventName: string;
  UserIdentityType: string | undefined;
  UserIdentityPrincipalid: string | undefined;
  UserIdentityArn: string | undefined;
  UserIdentityAccountId: string | undefined;
  UserIdentityInvokedBy: string | undefined;
  UserIdentityAccessKeyId: string | undefined;
  UserIdentityUserName: string | undefined;
  SessionMfaAuthenticated: boolean | undefined;
  SessionCreationDate: string | undefined;
  SessionIssuerType: string | undefined;
  SessionIssuerPrincipalId: string | undefined;
  SessionIssuerArn: string | undefined;
  SessionIssuerAccountId: string | undefined;
  SessionIssuerUserName: string | undefined;
  AWSRegion: string | undefined;
  SourceIpAddress: string | undefined;
  UserAgent: string | undefined;
  ErrorCode: string | undefined;
  ErrorMessage: string | undefined;
  RequestParameters: string | undefined;
  ResponseElements: string | undefined;
  AdditionalEventData: string | undefined;
  AwsRequestId: string | undefined;
  AwsRequestId_: string | undefined;
  Resources: string | undefined;
  APIVersion: string | undefined;
  ReadOnly: boolean | undefined;
  RecipientAccountId: string | undefined;
  ServiceEventDetails: string | undefined;
  SharedEventId: string | undefined;
  VpcEndpointId: string | undefined;
  ManagementEvent: boolean | undefined;
  OperationName: string;
  Category: string | undefined;
  EC2RoleDelivery: string | undefined;
  TlsVersion: string | undefined;
  CipherSuite: string | undefined;
  ClientProvidedHostHeader: string | undefined;
  IpProtocol: string | undefined;
  SourcePort: string | undefined;
  DestinationPort: string | undefined;
  CidrIp: string | undefined;
  UserIdentityUserId: string | undefined;
  UserIdentityStoreArn: string | undefined;
}

/** Columns of AwsCloudTrailRow, in row order, with the table's types (for the DCR stream declaration). */
export const AWS_CLOUDTRAIL_COLUMNS: ReadonlyArray<{ name: string; type: ColumnType }> = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'AwsEventId', type: 'string' },
  { name: 'EventVersion', type: 'string' },
  { name: 'EventSource', type: 'string' },
  { name: 'EventTypeName', type: 'string' },
  { name: 'EventName', type: 'string' },
  { name: 'UserIdentityType', type: 'string' },
  { name: 'UserIdentityPrincipalid', type: 'string' },
  { name: 'UserIdentityArn', type: 'string' },
  { name: 'UserIdentityAccountId', type: 'string' },
  { name: 'UserIdentityInvokedBy', type: 'string' },
  { name: 'UserIdentityAccessKeyId', type: 'string' },
  { name: 'UserIdentityUserName', type: 'string' },
  { name: 'SessionMfaAuthenticated', type: 'boolean' },
  { name: 'SessionCreationDate', type: 'datetime' },
  { name: 'SessionIssuerType', type: 'string' },
  { name: 'SessionIssuerPrincipalId', type: 'string' },
  { name: 'SessionIssuerArn', type: 'string' },
  { name: 'SessionIssuerAccountId', type: 'string' },
  { name: 'SessionIssuerUserName', type: 'string' },
  { name: 'AWSRegion', type: 'string' },
  { name: 'SourceIpAddress', type: 'string' },
  { name: 'UserAgent', type: 'string' },
  { name: 'ErrorCode', type: 'string' },
  { name: 'ErrorMessage', type: 'string' },
  { name: 'RequestParameters', type: 'string' },
  { name: 'ResponseElements', type: 'string' },
  { name: 'AdditionalEventData', type: 'string' },
  { name: 'AwsRequestId', type: 'string' },
  { name: 'AwsRequestId_', type: 'string' },
  { name: 'Resources', type: 'string' },
  { name: 'APIVersion', type: 'string' },
  { name: 'ReadOnly', type: 'boolean' },
  { name: 'RecipientAccountId', type: 'string' },
  { name: 'ServiceEventDetails', type: 'string' },
  { name: 'SharedEventId', type: 'string' },
  { name: 'VpcEndpointId', type: 'string' },
  { name: 'ManagementEvent', type: 'boolean' },
  { name: 'OperationName', type: 'string' },
  { name: 'Category', type: 'string' },
  { name: 'EC2RoleDelivery', type: 'string' },
  { name: 'TlsVersion', type: 'string' },
  { name: 'CipherSuite', type: 'string' },
  { name: 'ClientProvidedHostHeader', type: 'string' },
  { name: 'IpProtocol', type: 'string' },
  { name: 'SourcePort', type: 'string' },
  { name: 'DestinationPort', type: 'string' },
  { name: 'CidrIp', type: 'string' },
  { name: 'UserIdentityUserId', type: 'string' },
  { name: 'UserIdentityStoreArn', type: 'string' },
];

const NO_OBJECT: CloudTrailRecord = Object.freeze({});

/** The first element of a CloudTrail `{ items: [...] }` list, as an object. */
function firstItem(value: unknown): CloudTrailRecord | undefined {
  const items = objectOf(value)?.items;
  return Array.isArray(items) ? objectOf(items[0]) : undefined;
}

/**
 * Security-group rule fields (CidrIp, SourcePort, DestinationPort, IpProtocol) from requestParameters: the flat
 * form (`cidrIp`, `fromPort`, `toPort`, `ipProtocol`, older EC2 API versions) wins; otherwise the first entry of
 * `ipPermissions.items` and its first `ipRanges.items[].cidrIp`. Exact paths Microsoft's connector reads are
 * unverified (sentinel-tables.md §5).
 */
function securityGroupRule(params: CloudTrailRecord): { cidrIp: string | undefined; fromPort: string | undefined; toPort: string | undefined; ipProtocol: string | undefined } {
  let cidrIp = stringOf(params.cidrIp);
  let fromPort = stringOf(params.fromPort);
  let toPort = stringOf(params.toPort);
  let ipProtocol = stringOf(params.ipProtocol);
  if (cidrIp === undefined && fromPort === undefined && toPort === undefined && ipProtocol === undefined) {
    const permission = firstItem(params.ipPermissions);
    if (permission !== undefined) {
      cidrIp = stringOf(firstItem(permission.ipRanges)?.cidrIp);
      fromPort = stringOf(permission.fromPort);
      toPort = stringOf(permission.toPort);
      ipProtocol = stringOf(permission.ipProtocol);
    }
  }
  return { cidrIp, fromPort, toPort, ipProtocol };
}

/**
 * The AWSCloudTrail row of one record. `time` is the record's eventTime as an ISO instant, `eventName` and
 * `eventSource` its validated mandatory fields (normalizeCloudTrail checks them; this builder does not).
 */
export function buildAwsCloudTrailRow(record: CloudTrailRecord, time: string, eventName: string, eventSource: string): AwsCloudTrailRow {
  const identity = objectOf(record.userIdentity) ?? NO_OBJECT;
  const session = objectOf(identity.sessionContext) ?? NO_OBJECT;
  const attributes = objectOf(session.attributes) ?? NO_OBJECT;
  const issuer = objectOf(session.sessionIssuer) ?? NO_OBJECT;
  const onBehalfOf = objectOf(identity.onBehalfOf) ?? NO_OBJECT;
  const tls = objectOf(record.tlsDetails) ?? NO_OBJECT;
  const params = objectOf(record.requestParameters);
  const rule = params === undefined ? undefined : securityGroupRule(params);
  const requestId = stringOf(record.requestID);
  return {
    TimeGenerated: time,
    AwsEventId: stringOf(record.eventID),
    EventVersion: stringOf(record.eventVersion),
    EventSource: eventSource,
    EventTypeName: stringOf(record.eventType),
    EventName: eventName,
    UserIdentityType: stringOf(identity.type),
    UserIdentityPrincipalid: stringOf(identity.principalId),
    UserIdentityArn: stringOf(identity.arn),
    UserIdentityAccountId: stringOf(identity.accountId),
    UserIdentityInvokedBy: stringOf(identity.invokedBy),
    UserIdentityAccessKeyId: stringOf(identity.accessKeyId),
    UserIdentityUserName: stringOf(identity.userName),
    SessionMfaAuthenticated: booleanOf(attributes.mfaAuthenticated),
    SessionCreationDate: isoTimeOf(attributes.creationDate),
    SessionIssuerType: stringOf(issuer.type),
    SessionIssuerPrincipalId: stringOf(issuer.principalId),
    SessionIssuerArn: stringOf(issuer.arn),
    SessionIssuerAccountId: stringOf(issuer.accountId),
    SessionIssuerUserName: stringOf(issuer.userName),
    AWSRegion: stringOf(record.awsRegion),
    SourceIpAddress: stringOf(record.sourceIPAddress),
    UserAgent: stringOf(record.userAgent),
    ErrorCode: stringOf(record.errorCode),
    ErrorMessage: stringOf(record.errorMessage),
    RequestParameters: jsonTextOf(record.requestParameters),
    ResponseElements: jsonTextOf(record.responseElements),
    AdditionalEventData: jsonTextOf(record.additionalEventData),
    AwsRequestId: requestId,
    AwsRequestId_: requestId,
    Resources: jsonTextOf(record.resources),
    APIVersion: stringOf(record.apiVersion),
    ReadOnly: booleanOf(record.readOnly),
    RecipientAccountId: stringOf(record.recipientAccountId),
    ServiceEventDetails: jsonTextOf(record.serviceEventDetails),
    SharedEventId: stringOf(record.sharedEventID),
    VpcEndpointId: stringOf(record.vpcEndpointId),
    ManagementEvent: booleanOf(record.managementEvent),
    OperationName: AWS_CLOUDTRAIL_OPERATION_NAME,
    Category: stringOf(record.eventCategory),
    EC2RoleDelivery: stringOf(session.ec2RoleDelivery),
    TlsVersion: stringOf(tls.tlsVersion),
    CipherSuite: stringOf(tls.cipherSuite),
    ClientProvidedHostHeader: stringOf(tls.clientProvidedHostHeader),
    IpProtocol: rule?.ipProtocol,
    SourcePort: rule?.fromPort,
    DestinationPort: rule?.toPort,
    CidrIp: rule?.cidrIp,
    UserIdentityUserId: stringOf(onBehalfOf.userId),
    UserIdentityStoreArn: stringOf(onBehalfOf.identityStoreArn),
  };
}

/**
 * The AWSCloudTrail row of a record, or undefined when a mandatory field (eventTime as a valid instant,
 * eventName, eventSource) is missing. normalizeCloudTrail (parsers/aws-cloudtrail) is the entry point that says
 * why; this one is for callers that only want the table row.
 */
export function toAwsCloudTrailRow(record: CloudTrailRecord, receivedAt: number): AwsCloudTrailRow | undefined {
  void receivedAt; // TimeGenerated is eventTime; a record without one is invalid, not re-timed (see normalizeCloudTrail).
  const time = isoTimeOf(record.eventTime);
  const eventName = stringOf(record.eventName);
  const eventSource = stringOf(record.eventSource);
  if (time === undefined || eventName === undefined || eventSource === undefined) return undefined;
  return buildAwsCloudTrailRow(record, time, eventName, eventSource);
}
