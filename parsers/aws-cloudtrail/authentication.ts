/**
 * CloudTrail `ConsoleLogin` → ASIM Authentication row, field for field as Microsoft's
 * ASimAuthenticationAWSCloudTrail parser produces it from the AWSCloudTrail table (reference/asim.md §6), with
 * asimd's decisions (§10 A1–A6). Lookups are tables. Reads the AWSCloudTrail row plus the parsed
 * responseElements / additionalEventData (the parser does substring tests on their JSON text; asimd reads the
 * values, A3).
 */
import type { AsimAuthenticationRow, AuthEventResultDetails, UsernameType } from '../asim/authentication.ts';
import { emptyAuthenticationRow } from '../asim/authentication.ts';
import type { AwsCloudTrailRow } from '../tables/aws-cloudtrail.ts';
import type { CloudTrailRecord } from './record.ts';
import { objectOf, stringOf } from './record.ts';
import { CLOUDTRAIL_PRODUCT, CLOUDTRAIL_VENDOR, sourceIpOf } from './audit-event.ts';

/** The only event name the parser reads. */
export const CONSOLE_LOGIN = 'ConsoleLogin';

/** TargetUserType by UserIdentityType (the parser's usertype_lookup); others are empty. */
const TARGET_USER_TYPE: ReadonlyMap<string, string> = new Map([
  ['Root', 'Admin'],
  ['IAMUser', 'Regular'],
  ['AssumedRole', 'Service'],
  ['Role', 'Service'],
  ['FederatedUser', 'Regular'],
  ['Directory', 'Other'],
  ['AWSAccount', 'Guest'],
  ['AWSService', 'Application'],
  ['Unknown', 'Other'],
]);

/**
 * EventResultDetails by ErrorMessage (the parser's eventresultdetails_lookup); anything else is empty (A4). The
 * stored parser writes the lookup result into a column named `EventOriginalDetails`, so its rows never carry it;
 * asimd implements the evident intent.
 */
const RESULT_DETAILS: ReadonlyMap<string, AuthEventResultDetails | undefined> = new Map([
  ['No username found in supplied account', 'No such user'],
  ['Failed authentication', undefined],
]);

const HIDDEN_USER = 'HIDDEN_DUE_TO_SECURITY_REASONS';
const DN_MARKERS = ['CN=', 'OU=', 'DC='];

/** The parser's ASIM_GetUsernameType. */
export function usernameTypeOf(username: string | undefined): UsernameType | undefined {
  if (username === undefined) return undefined;
  if (username.includes('@')) return 'UPN';
  if (username.includes('\\')) return 'Windows';
  if (DN_MARKERS.some((m) => username.includes(m))) return 'DN';
  return 'Simple';
}

/** TargetUsername per identity type: IAMUser → userName, Root → `root`, AssumedRole → session name (ARN's last `/` segment). */
function targetUsername(identityType: string | undefined, userName: string | undefined, arn: string | undefined): string | undefined {
  if (userName === HIDDEN_USER) return undefined;
  switch (identityType) {
    case 'IAMUser':
      return userName;
    case 'Root':
      return 'root';
    case 'AssumedRole': {
      if (arn === undefined) return undefined;
      const last = arn.slice(arn.lastIndexOf('/') + 1);
      return last === '' ? undefined : last;
    }
    default:
      return userName;
  }
}

export function toConsoleLoginRow(raw: AwsCloudTrailRow, record: CloudTrailRecord): AsimAuthenticationRow {
  const response = objectOf(record.responseElements);
  const success = response !== undefined && response.ConsoleLogin === 'Success';
  const row = emptyAuthenticationRow(raw.TimeGenerated, CLOUDTRAIL_VENDOR, CLOUDTRAIL_PRODUCT, 'Logon', success ? 'Success' : 'Failure');
  const extra = objectOf(record.additionalEventData);

  row.EventProductVersion = raw.EventVersion;
  row.EventSubType = 'Interactive';
  const errorMessage = raw.ErrorMessage;
  row.EventOriginalResultDetails = errorMessage;
  row.EventResultDetails = errorMessage === undefined ? undefined : RESULT_DETAILS.get(errorMessage);
  row.EventSeverity = success ? 'Informational' : 'Low';
  row.EventOriginalUid = raw.AwsEventId;
  row.Dvc = CLOUDTRAIL_PRODUCT; // A1
  row.LogonMethod = extra?.MFAUsed === 'Yes' ? 'MFA' : undefined; // A3
  row.LogonProtocol = 'HTTPS';
  row.HttpUserAgent = raw.UserAgent;
  const srcIp = sourceIpOf(raw.SourceIpAddress);
  row.SrcIpAddr = srcIp;
  row.SrcDeviceType = extra?.MobileVersion === 'Yes' ? 'Mobile Device' : 'Computer';

  // Identity Center users: principal id from the identity store ARN, user name from the user id.
  const identityType = raw.UserIdentityType;
  const identityCenter = identityType === 'IdentityCenterUser';
  const principalId = identityCenter ? raw.UserIdentityStoreArn : raw.UserIdentityPrincipalid;
  const userName = identityCenter ? raw.UserIdentityUserId : raw.UserIdentityUserName;
  const username = targetUsername(identityType, userName, raw.UserIdentityArn);
  // `AROA…:session` → `AROA…`. An identity store ARN is kept whole: the parser splits it too and keeps `arn`,
  // which identifies nothing (proposed A7, rule 3).
  const colon = principalId === undefined || principalId.startsWith('arn:') ? -1 : principalId.indexOf(':');
  const userId = principalId === undefined || colon === 0 ? undefined : colon < 0 ? principalId : principalId.slice(0, colon);
  row.TargetUsername = username;
  row.TargetUsernameType = usernameTypeOf(username);
  row.TargetUserId = userId;
  row.TargetUserIdType = userId === undefined ? undefined : 'AWSId';
  row.TargetUserType = identityType === undefined ? undefined : TARGET_USER_TYPE.get(identityType);
  row.TargetOriginalUserType = identityType;
  row.TargetUserScopeId = raw.UserIdentityAccountId;
  const url = extra === undefined ? undefined : stringOf(extra.LoginTo);
  row.TargetUrl = url;
  const query = url === undefined ? -1 : url.indexOf('?');
  const logonTarget = url === undefined ? undefined : query < 0 ? url : url.slice(0, query) || undefined;
  row.LogonTarget = logonTarget;
  row.AdditionalFields = raw.AWSRegion === undefined ? undefined : { AWSRegion: raw.AWSRegion }; // A2

  row.User = username;
  row.IpAddr = srcIp;
  row.Src = srcIp;
  row.Dst = logonTarget;
  return row;
}
