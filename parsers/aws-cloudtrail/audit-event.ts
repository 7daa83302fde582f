/**
 * CloudTrail record → ASIM AuditEvent row, field for field as Microsoft's ASimAuditEventAWSCloudTrail parser
 * produces it from the AWSCloudTrail table at query time (reference/asim.md §7), with asimd's decisions (§10
 * B1–B9). Reads the AWSCloudTrail row already built for the record (the parser's input columns) plus the parsed
 * `resources` and `requestParameters`, so no JSON is parsed twice.
 */
import { isIP } from 'node:net';
import type { AsimAuditEventRow, AuditObjectType } from '../asim/audit-event.ts';
import { emptyAuditEventRow } from '../asim/audit-event.ts';
import { resolveFqdn } from '../asim/fqdn.ts';
import type { AwsCloudTrailRow } from '../tables/aws-cloudtrail.ts';
import type { CloudTrailRecord } from './record.ts';
import { objectOf, stringOf } from './record.ts';
import { cloudTrailEventType } from './verbs.ts';

export const CLOUDTRAIL_VENDOR = 'AWS';
export const CLOUDTRAIL_PRODUCT = 'CloudTrail';

/**
 * Event names the parser means to leave to the Authentication schema. Its filter is written as an always-true
 * `or`, so it lets them through; asimd applies the intent (B1). ConsoleLogin becomes an Authentication row;
 * UserAuthentication (IAM Identity Center sign-in) becomes neither, like in Microsoft's parsers.
 */
export const AUDIT_EVENT_EXCLUDED: ReadonlySet<string> = new Set(['ConsoleLogin', 'UserAuthentication']);

/** ActorUserType by UserIdentityType; other present types are `Regular` (the parser's coalesce). */
const ACTOR_USER_TYPE: ReadonlyMap<string, string> = new Map([
  ['AWSService', 'Service'],
  ['Directory', 'Other'],
  ['Unknown', 'Other'],
  ['Root', 'Admin'],
]);

/** The first element of `resources` with a non-empty ARN (the parser's mv-apply, first match only). */
function firstResourceWithArn(resources: unknown): { arn: string; type: string | undefined } | undefined {
  if (!Array.isArray(resources)) return undefined;
  for (const item of resources) {
    const resource = objectOf(item);
    const arn = resource === undefined ? undefined : stringOf(resource.ARN);
    if (resource !== undefined && arn !== undefined) return { arn, type: stringOf(resource.type) };
  }
  return undefined;
}

/** SourceIpAddress when it is an IPv4 or IPv6 address; AWS service names (`ec2.amazonaws.com`) are not (B5). */
export function sourceIpOf(value: string | undefined): string | undefined {
  return value !== undefined && isIP(value) !== 0 ? value : undefined;
}

export function toAuditEventRow(raw: AwsCloudTrailRow, record: CloudTrailRecord): AsimAuditEventRow {
  const failed = raw.ErrorMessage !== undefined || raw.ErrorCode !== undefined;
  const row = emptyAuditEventRow(raw.TimeGenerated, CLOUDTRAIL_VENDOR, CLOUDTRAIL_PRODUCT, cloudTrailEventType(raw.EventName), failed ? 'Failure' : 'Success');
  row.EventProductVersion = raw.EventVersion;
  row.EventSubType = raw.EventTypeName;
  row.EventOriginalType = raw.EventName;
  row.EventMessage = raw.ErrorMessage;
  row.EventUid = raw.AwsEventId;
  row.Operation = raw.EventName;

  const resource = firstResourceWithArn(record.resources);
  let objectType: AuditObjectType;
  if (resource !== undefined) {
    row.Object = resource.arn;
    row.ObjectId = resource.arn;
    row.OriginalObjectType = resource.type;
    objectType = 'Cloud Resource';
  } else {
    // B3: the parser drops these rows; Object is Mandatory, so the service the call went to stands in.
    row.Object = raw.EventSource;
    objectType = 'Other';
  }
  row.ObjectType = objectType;
  row.Dvc = CLOUDTRAIL_PRODUCT;

  row.ActorUserId = raw.UserIdentityAccountId;
  row.ActorUserIdType = raw.UserIdentityAccountId === undefined ? undefined : 'AWSId';
  row.ActorUsername = raw.UserIdentityUserName;
  row.ActorUsernameType = raw.UserIdentityUserName === undefined ? undefined : 'Simple';
  const identityType = raw.UserIdentityType;
  row.ActorUserType = identityType === undefined ? undefined : (ACTOR_USER_TYPE.get(identityType) ?? 'Regular');
  row.ActorOriginalUserType = identityType;
  row.HttpUserAgent = raw.UserAgent;
  const srcIp = sourceIpOf(raw.SourceIpAddress);
  row.SrcIpAddr = srcIp;

  row.TargetAppName = raw.EventSource;
  row.TargetAppType = 'Service';
  const target = resolveFqdn(raw.EventSource);
  row.TargetHostname = stringOf(objectOf(record.requestParameters)?.Host);
  row.TargetDomain = target.domain;
  row.TargetDomainType = target.domainType;
  row.TargetFQDN = target.fqdn;

  row.AdditionalFields = {
    ActorAccessKeyId: raw.UserIdentityAccessKeyId,
    ActorARN: raw.UserIdentityArn,
    APIVersion: raw.APIVersion,
    AWSRegion: raw.AWSRegion,
    ManagementEvent: raw.ManagementEvent,
    ReadOnly: raw.ReadOnly,
    RecipientAccountId: raw.RecipientAccountId,
    RequestID: raw.AwsRequestId,
    RequestParameters: raw.RequestParameters,
    SharedEventId: raw.SharedEventId,
  };

  // Aliases, with the schema's definitions (B4: User is the actor's name, not the account id).
  row.User = row.ActorUsername;
  row.Application = row.TargetAppName;
  row.IpAddr = srcIp ?? row.TargetIpAddr;
  row.Src = srcIp;
  row.Dst = row.TargetHostname ?? row.TargetAppName;
  return row;
}
