/**
 * The EventType verb table of Microsoft's ASimAuditEventAWSCloudTrail parser (reference/asim.md §7.1), as data:
 * applied to `eventName`, first match wins, order matters. `type` is asimd's value, `parserType` the parser's;
 * they differ only where the parser's value is outside the AuditEvent enum (`Status`, `Stop` → `Other`, §10 B2)
 * or its line is malformed (`AutomatedDefaultVpcCreation`, B8). Exact names are compared with equality (the
 * reference leaves equality vs prefix unverified; golden tests pin equality). Names no row matches are `Other`.
 */
import type { AuditEventType, AuditVerbRule } from '../asim/audit-event.ts';
import { auditVerbLookup } from '../asim/audit-event.ts';

export interface CloudTrailVerbRule extends AuditVerbRule {
  /** Row number in reference/asim.md §7.1 (`10a` for the malformed line the table mentions only in a note). */
  readonly row: string;
  /** What Microsoft's parser emits. */
  readonly parserType: string;
  /** §10 id when asimd's type differs from the parser's. */
  readonly deviation?: 'B2' | 'B8';
}

export const CLOUDTRAIL_VERBS: readonly CloudTrailVerbRule[] = [
  { row: '1', match: 'AcceptHandshake', kind: 'exact', type: 'Other', parserType: 'Status', deviation: 'B2' },
  { row: '2', match: 'AcceptVpcPeeringConnection', kind: 'exact', type: 'Other', parserType: 'Status', deviation: 'B2' },
  { row: '3', match: 'Abort', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '4', match: 'Accept', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '5', match: 'Add', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '6', match: 'Allocate', kind: 'prefix', type: 'Create', parserType: 'Create' },
  { row: '7', match: 'Associate', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '8', match: 'Assume', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '9', match: 'Attach', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '10', match: 'Authorize', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '10a', match: 'AutomatedDefaultVpcCreation', kind: 'exact', type: 'Other', parserType: 'Create?', deviation: 'B8' },
  { row: '11', match: 'BatchDeleteImage', kind: 'exact', type: 'Delete', parserType: 'Delete' },
  { row: '12', match: 'BatchEnableStandards', kind: 'exact', type: 'Set', parserType: 'Set' },
  { row: '13', match: 'BidEvictedEvent', kind: 'exact', type: 'Set', parserType: 'Set' },
  { row: '14', match: 'Batch', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '15', match: 'Bid', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '16', match: 'Change', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '17', match: 'Check', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '18', match: 'Close', kind: 'prefix', type: 'Delete', parserType: 'Delete' },
  { row: '19', match: 'Complete', kind: 'prefix', type: 'Other', parserType: 'Status', deviation: 'B2' },
  { row: '20', match: 'Configure', kind: 'prefix', type: 'Create', parserType: 'Create' },
  { row: '21', match: 'Copy', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '22', match: 'Create', kind: 'prefix', type: 'Create', parserType: 'Create' },
  { row: '23', match: 'Deactivate', kind: 'prefix', type: 'Delete', parserType: 'Delete' },
  { row: '24', match: 'Decrypt', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '25', match: 'Delete', kind: 'prefix', type: 'Delete', parserType: 'Delete' },
  { row: '26', match: 'Deregister', kind: 'prefix', type: 'Delete', parserType: 'Delete' },
  { row: '27', match: 'Describe', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '28', match: 'Detach', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '29', match: 'Disable', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '30', match: 'Disassociate', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '31', match: 'Download', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '32', match: 'Enable', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '33', match: 'Encrypt', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '34', match: 'FailoverDBCluster', kind: 'exact', type: 'Set', parserType: 'Set' },
  { row: '35', match: 'GenerateDataKey', kind: 'prefix', type: 'Create', parserType: 'Create' },
  { row: '36', match: 'Generate', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '37', match: 'Get', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '38', match: 'Head', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '39', match: 'Import', kind: 'prefix', type: 'Create', parserType: 'Create' },
  { row: '40', match: 'Initiate', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '41', match: 'Invite', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '42', match: 'Invoke', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '43', match: 'List', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '44', match: 'Lookup', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '45', match: 'Modify', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '46', match: 'Move', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '47', match: 'PolicyExecutionEvent', kind: 'exact', type: 'Other', parserType: 'Status', deviation: 'B2' },
  { row: '48', match: 'PreflightRequest', kind: 'exact', type: 'Other', parserType: 'Status', deviation: 'B2' },
  { row: '49', match: 'Publish', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '50', match: 'Put', kind: 'prefix', type: 'Create', parserType: 'Create' },
  { row: '51', match: 'Reboot', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '52', match: 'Redeem', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '53', match: 'ReEncrypt', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '54', match: 'Register', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '55', match: 'Release', kind: 'prefix', type: 'Delete', parserType: 'Delete' },
  { row: '56', match: 'Remove', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '57', match: 'Replace', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '58', match: 'Restore', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '59', match: 'Resume', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '60', match: 'Resync', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '61', match: 'Retire', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '62', match: 'Revoke', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '63', match: 'Rotate', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '64', match: 'RotationStarted', kind: 'exact', type: 'Other', parserType: 'Status', deviation: 'B2' },
  { row: '65', match: 'RunInstances', kind: 'exact', type: 'Create', parserType: 'Create' },
  { row: '66', match: 'RunTask', kind: 'exact', type: 'Set', parserType: 'Set' },
  { row: '67', match: 'Scan', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '68', match: 'ScheduleKeyDeletion', kind: 'exact', type: 'Delete', parserType: 'Delete' },
  { row: '69', match: 'Search', kind: 'exact', type: 'Read', parserType: 'Read' },
  { row: '70', match: 'Select', kind: 'prefix', type: 'Read', parserType: 'Read' },
  { row: '71', match: 'SendHeartBeat', kind: 'exact', type: 'Other', parserType: 'Status', deviation: 'B2' },
  { row: '72', match: 'Send', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '73', match: 'SharedSnapshotVolumeCreated', kind: 'exact', type: 'Create', parserType: 'Create' },
  { row: '74', match: 'Sign', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '75', match: 'Simulate', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '76', match: 'StartLogging', kind: 'exact', type: 'Set', parserType: 'Set' },
  { row: '77', match: 'Start', kind: 'prefix', type: 'Other', parserType: 'Status', deviation: 'B2' },
  { row: '78', match: 'Stop', kind: 'prefix', type: 'Other', parserType: 'Stop', deviation: 'B2' },
  { row: '79', match: 'Suspend', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '80', match: 'Synchronize', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '81', match: 'Tag', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '82', match: 'Terminate', kind: 'prefix', type: 'Delete', parserType: 'Delete' },
  { row: '83', match: 'Transfer', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '84', match: 'Untag', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '85', match: 'Update', kind: 'prefix', type: 'Set', parserType: 'Set' },
  { row: '86', match: 'UploadLayerPart', kind: 'exact', type: 'Create', parserType: 'Create' },
  { row: '87', match: 'Upload', kind: 'prefix', type: 'Set', parserType: 'Set' },
];

/** EventType of an eventName per CLOUDTRAIL_VERBS. */
export const cloudTrailEventType: (eventName: string) => AuditEventType = auditVerbLookup(CLOUDTRAIL_VERBS);

/** The rule that decides an eventName, or undefined for the `Other` fallback. For tests and diagnostics. */
export function cloudTrailVerbRule(eventName: string): CloudTrailVerbRule | undefined {
  return CLOUDTRAIL_VERBS.find((r) => (r.kind === 'exact' ? eventName === r.match : eventName.startsWith(r.match)));
}
