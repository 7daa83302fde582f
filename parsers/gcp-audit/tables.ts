/**
 * The lookup tables of the GCP Cloud Audit Logs → ASIM AuditEvent mapping (reference/asim.md §9), as data
 * (STYLE §3). index.ts only reads them.
 */
import type { AuditEventType, AuditVerbRule } from '../asim/audit-event.ts';
import { auditVerbLookup } from '../asim/audit-event.ts';

/**
 * EventType by the verb that starts the last dot-separated segment of `methodName`, case-insensitive
 * (reference/asim.md §9, proposed): `google.iam.admin.v1.CreateServiceAccountKey` → `createserviceaccountkey`
 * → Create; `v1.compute.instances.setMetadata` → Set. First match wins; no prefix here is a prefix of another,
 * so the order only groups the rows. Anything else is `Other`.
 */
export const GCP_VERB_RULES: readonly AuditVerbRule[] = [
  { match: 'create', kind: 'prefix', type: 'Create' },
  { match: 'insert', kind: 'prefix', type: 'Create' },
  { match: 'delete', kind: 'prefix', type: 'Delete' },
  { match: 'remove', kind: 'prefix', type: 'Delete' },
  { match: 'get', kind: 'prefix', type: 'Read' },
  { match: 'list', kind: 'prefix', type: 'Read' },
  { match: 'search', kind: 'prefix', type: 'Read' },
  { match: 'lookup', kind: 'prefix', type: 'Read' },
  { match: 'query', kind: 'prefix', type: 'Read' },
  { match: 'set', kind: 'prefix', type: 'Set' },
  { match: 'update', kind: 'prefix', type: 'Set' },
  { match: 'patch', kind: 'prefix', type: 'Set' },
  { match: 'modify', kind: 'prefix', type: 'Set' },
  { match: 'add', kind: 'prefix', type: 'Set' },
  { match: 'enable', kind: 'prefix', type: 'Enable' },
  { match: 'disable', kind: 'prefix', type: 'Disable' },
  { match: 'execute', kind: 'prefix', type: 'Execute' },
  { match: 'run', kind: 'prefix', type: 'Execute' },
  { match: 'invoke', kind: 'prefix', type: 'Execute' },
  { match: 'call', kind: 'prefix', type: 'Execute' },
  { match: 'install', kind: 'prefix', type: 'Install' },
  { match: 'clear', kind: 'prefix', type: 'Clear' },
];

const verbOf = auditVerbLookup(GCP_VERB_RULES, 'Other');

/** The last dot-separated segment of a methodName, lowercased. */
export function methodVerbSegment(methodName: string): string {
  return methodName.slice(methodName.lastIndexOf('.') + 1).toLowerCase();
}

/** EventType of a methodName by GCP_VERB_RULES. */
export function eventTypeOf(methodName: string): AuditEventType {
  return verbOf(methodVerbSegment(methodName));
}

/**
 * Cloud Audit Logs log ids (after `cloudaudit.googleapis.com/` in logName's LOG_ID) → EventSubType. Only these
 * four are AuditLog logs; any other log id leaves EventSubType empty.
 */
export const AUDIT_LOG_TYPES: ReadonlyMap<string, string> = new Map([
  ['activity', 'activity'],
  ['data_access', 'data_access'],
  ['system_event', 'system_event'],
  ['policy', 'policy'],
]);

/** `protoPayload['@type']` of a Cloud Audit Logs entry. */
export const AUDIT_LOG_TYPE_URL = 'type.googleapis.com/google.cloud.audit.AuditLog';

/** principalEmail suffix of Google service accounts (`…@<project>.iam.gserviceaccount.com`, `…@cloudservices.gserviceaccount.com`, …). */
export const SERVICE_ACCOUNT_SUFFIX = '.gserviceaccount.com';

/** Status codes → EventResult: absent or 0 (OK) is Success, any other google.rpc.Code is Failure. */
export const SUCCESS_STATUS_CODE = 0;
