/**
 * Linux authentication (sshd, su, sudo) Syslog rows → ASIM Authentication rows, at ingestion time, field for
 * field as Microsoft's ASimAuthenticationSshd / Su / Sudo parsers produce them at query time (reference/asim.md
 * §8), with asimd's decisions where they deviate (§10: S1–S7, U1–U3, D1–D5). Pure and synchronous; never throws.
 *
 * Runs for every Syslog row, so the first step is one Map lookup on ProcessName; messages of other processes
 * cost nothing else. The patterns themselves are data, in patterns.ts.
 */
import type { SyslogRow } from '../tables/syslog.ts';
import type { AsimAuthenticationRow } from '../asim/authentication.ts';
import { ASIM_AUTHENTICATION_SCHEMA, emptyAuthenticationRow } from '../asim/authentication.ts';
import { isIpLiteral, resolveFqdn } from '../asim/fqdn.ts';
import type { ResolvedHost } from '../asim/fqdn.ts';
import type { AuthPattern, ProcessProfile } from './patterns.ts';
import { FAILED_METHOD_DEFAULT, FAILED_METHODS, PROFILES } from './patterns.ts';

export type AuthOutcome = { kind: 'row'; row: AsimAuthenticationRow } | { kind: 'skip'; reason: string };

/** What this parser emits (STYLE §3). */
export const LINUX_AUTH_STREAM_SCHEMA = {
  stream: ASIM_AUTHENTICATION_SCHEMA.stream,
  schema: ASIM_AUTHENTICATION_SCHEMA.schema,
  version: ASIM_AUTHENTICATION_SCHEMA.version,
  processes: [...PROFILES.keys()],
} as const;

/**
 * Skip reasons: another process; a PAM line (pam_unix(…), "PAM n more authentication failures") or a preauth
 * line, which the sshd parser ignores by design; any other message of sshd/su/sudo that no pattern covers.
 */
export const SKIP_REASONS = ['not_linux_auth_process', 'pam', 'preauth', 'not_auth_event'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

const SKIP: { readonly [R in SkipReason]: AuthOutcome } = {
  not_linux_auth_process: Object.freeze({ kind: 'skip', reason: 'not_linux_auth_process' }),
  pam: Object.freeze({ kind: 'skip', reason: 'pam' }),
  preauth: Object.freeze({ kind: 'skip', reason: 'preauth' }),
  not_auth_event: Object.freeze({ kind: 'skip', reason: 'not_auth_event' }),
};

/** Called for every Syslog row; cheap rejection first (ProcessName not sshd/sudo/su → skip at once). */
export function toAuthenticationRow(row: SyslogRow): AuthOutcome {
  const processName = row.ProcessName;
  if (processName === undefined) return SKIP.not_linux_auth_process;
  const profile = PROFILES.get(processName);
  if (profile === undefined) return SKIP.not_linux_auth_process;

  const pattern = select(profile, row.SyslogMessage);
  if (pattern === undefined) return SKIP[skipReason(row.SyslogMessage)];
  return { kind: 'row', row: build(profile, pattern, selectedMatch, row) };
}

/** Id of the pattern (patterns.ts) that makes the row, or undefined for a skip. For tests and diagnostics. */
export function patternIdOf(row: SyslogRow): string | undefined {
  const profile = row.ProcessName === undefined ? undefined : PROFILES.get(row.ProcessName);
  return profile === undefined ? undefined : select(profile, row.SyslogMessage)?.id;
}

/** Ids of every pattern, in table order. */
export const PATTERN_IDS: readonly string[] = [...PROFILES.values()].flatMap((p) => p.patterns.map((x) => x.id));

// The regex match of the last select(), read right after it (synchronous, so never stale).
let selectedMatch: RegExpExecArray | null = null;

/** First pattern whose test passes and whose parse matches when required (KQL parse-where). */
function select(profile: ProcessProfile, message: string): AuthPattern | undefined {
  const patterns = profile.patterns;
  for (let i = 0; i < patterns.length; i++) {
    const pattern = patterns[i] as AuthPattern;
    if (!applies(pattern, message)) continue;
    let match: RegExpExecArray | null = null;
    if (pattern.parse !== undefined) {
      match = pattern.parse.exec(message);
      if (match === null && pattern.parseRequired === true) continue;
    }
    selectedMatch = match;
    return pattern;
  }
  selectedMatch = null;
  return undefined;
}

function applies(p: AuthPattern, message: string): boolean {
  if (p.prefix !== undefined && !message.startsWith(p.prefix)) return false;
  if (p.containsAll !== undefined) {
    for (const s of p.containsAll) if (!message.includes(s)) return false;
  }
  if (p.containsAny !== undefined) {
    let any = false;
    for (const s of p.containsAny) {
      if (message.includes(s)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  return true;
}

function skipReason(message: string): SkipReason {
  if (message.startsWith('pam_') || message.startsWith('PAM ')) return 'pam';
  if (message.trimEnd().endsWith('[preauth]')) return 'preauth';
  return 'not_auth_event';
}

// One-entry memo: consecutive rows nearly always come from the same Computer.
let lastComputer: string | undefined;
let lastResolved: ResolvedHost = resolveFqdn(undefined);

function resolveComputer(computer: string): ResolvedHost {
  if (computer !== lastComputer) {
    lastResolved = resolveFqdn(computer);
    lastComputer = computer;
  }
  return lastResolved;
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === '' ? undefined : s;
}

function build(profile: ProcessProfile, pattern: AuthPattern, match: RegExpExecArray | null, syslog: SyslogRow): AsimAuthenticationRow {
  const f = pattern.fields;
  const row = emptyAuthenticationRow(syslog.TimeGenerated, profile.vendor, profile.product, f.EventType, f.EventResult);

  // The process's common fields, then the pattern's.
  const pf = profile.fields;
  row.EventSubType = pf.EventSubType;
  row.EventSeverity = f.EventSeverity ?? pf.EventSeverity;
  row.LogonProtocol = pf.LogonProtocol;
  row.TargetAppName = pf.TargetAppName;
  row.TargetAppType = pf.TargetAppType;
  row.ActingAppType = pf.ActingAppType;
  row.ActorUsernameType = f.ActorUsernameType ?? pf.ActorUsernameType;
  row.TargetUsernameType = pf.TargetUsernameType;
  row.DvcOs = pf.DvcOs;
  row.TargetDvcOs = pf.TargetDvcOs;
  row.EventResultDetails = f.EventResultDetails;
  row.EventOriginalResultDetails = f.EventOriginalResultDetails;
  row.DvcAction = f.DvcAction;
  row.RuleName = f.RuleName;

  if (profile.processIdTo !== undefined && syslog.ProcessID !== undefined) row[profile.processIdTo] = String(syslog.ProcessID);

  if (match !== null && pattern.captures !== undefined) {
    const captures = pattern.captures;
    for (let i = 0; i < captures.length; i++) {
      const value = match[i + 1];
      if (value === undefined || value === '') continue;
      switch (captures[i]) {
        case 'TargetUsername':
          row.TargetUsername = value;
          break;
        case 'ActorUsername':
          row.ActorUsername = value;
          break;
        case 'SrcIpAddr':
          row.SrcIpAddr = value;
          break;
        case 'SrcPortNumber':
          row.SrcPortNumber = toInt(value);
          break;
        case 'EventCount':
          row.EventCount = toInt(value) ?? 1;
          break;
        case 'SrcHost': {
          const h = resolveFqdn(value);
          row.SrcHostname = h.hostname;
          row.SrcDomain = h.domain;
          row.SrcDomainType = h.domainType;
          row.SrcFQDN = h.fqdn;
          break;
        }
        case 'FailedMethod': {
          const m = FAILED_METHODS.get(value) ?? FAILED_METHOD_DEFAULT;
          row.LogonMethod = m.LogonMethod;
          row.EventResultDetails ??= m.EventResultDetails; // a pattern's own detail (S3: No such user) wins
          break;
        }
        case 'EventOriginalResultDetails':
          row.EventOriginalResultDetails = value;
          break;
        default:
          break;
      }
    }
  }
  // The parser's Failed branch sets LogonMethod even when its parse fails (has 'publickey' on the message).
  if (pattern.captures?.includes('FailedMethod') === true && row.LogonMethod === undefined) {
    const m = syslog.SyslogMessage.includes('publickey') ? FAILED_METHODS.get('publickey') ?? FAILED_METHOD_DEFAULT : FAILED_METHOD_DEFAULT;
    row.LogonMethod = m.LogonMethod;
    row.EventResultDetails ??= m.EventResultDetails;
  }

  const computer = nonEmpty(syslog.Computer);
  if (profile.dvc === 'resolved') {
    const dvc = computer === undefined ? resolveFqdn(undefined) : resolveComputer(computer);
    row.DvcHostname = dvc.hostname;
    row.DvcDomain = dvc.domain;
    row.DvcDomainType = dvc.domainType;
    row.DvcFQDN = dvc.fqdn;
    row.DvcIpAddr = nonEmpty(syslog.HostIP);
    // S4: DvcId, DvcIdType, DvcScopeId and EventUid come from system columns: empty. S5: TargetDvcIdType copies
    // DvcIdType (the parser copies DvcDomainType); both empty.
    row.TargetHostname = row.DvcHostname;
    row.TargetDomain = row.DvcDomain;
    row.TargetDomainType = row.DvcDomainType;
    row.TargetFQDN = row.DvcFQDN;
    row.TargetIpAddr = row.DvcIpAddr;
    row.Dst = row.DvcFQDN ?? row.DvcHostname ?? row.DvcIpAddr;
    // Dvc = DvcHostname; when Computer is an IP literal (no host name), the address (Dvc is Mandatory).
    row.Dvc = row.DvcHostname ?? computer;
  } else {
    row.DvcHostname = computer !== undefined && !isIpLiteral(computer) ? computer : undefined;
    row.Dvc = computer;
  }

  // Aliases (schema): User = TargetUsername; S1: IpAddr = SrcIpAddr (the parsers use DvcIpAddr); Rule = RuleName.
  row.User = row.TargetUsername;
  row.IpAddr = row.SrcIpAddr;
  row.Rule = row.RuleName;
  return row;
}

const INT32_MAX = 2_147_483_647;

function toInt(digits: string): number | undefined {
  const n = Number(digits);
  return Number.isInteger(n) && n >= 0 && n <= INT32_MAX ? n : undefined;
}
