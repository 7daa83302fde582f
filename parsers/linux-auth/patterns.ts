/**
 * The message patterns of Microsoft's ASimAuthenticationSshd / Su / Sudo parsers (reference/asim.md §8), as data.
 * Each process has a profile (its common fields) and an ordered list of patterns; the first pattern whose cheap
 * test (prefix / contains) passes, and whose `parse` matches when `parseRequired`, makes the row.
 *
 * `parse` mirrors the parser's KQL `parse` (a row is made even if it does not match, with the captures empty) or
 * `parse-where` (`parseRequired`: no row). Regexes are compiled once, here.
 */
import type { AuthEventResultDetails, AuthEventSubType, AuthEventType, EventResult, EventSeverity, UsernameType } from '../asim/authentication.ts';

/** Where capture group i+1 of `parse` goes. */
export type Capture =
  | 'TargetUsername'
  | 'ActorUsername'
  | 'SrcIpAddr'
  | 'SrcPortNumber'
  /** A host name, resolved into SrcHostname / SrcDomain / SrcDomainType / SrcFQDN (_ASIM_ResolveSrcFQDN). */
  | 'SrcHost'
  /** `message repeated N times`. */
  | 'EventCount'
  /** The sshd auth method of a Failed line, looked up in FAILED_METHODS. */
  | 'FailedMethod'
  | 'EventOriginalResultDetails';

export interface PatternFields {
  readonly EventType: AuthEventType;
  readonly EventResult: EventResult;
  readonly EventResultDetails?: AuthEventResultDetails;
  readonly EventOriginalResultDetails?: string;
  readonly EventSeverity?: EventSeverity;
  readonly DvcAction?: string;
  readonly RuleName?: string;
  readonly ActorUsernameType?: UsernameType;
}

export interface AuthPattern {
  /** Stable id, `<process>.<event>`; also the fixture/test vocabulary. */
  readonly id: string;
  /** SyslogMessage starts with this. */
  readonly prefix?: string;
  /** SyslogMessage contains every one of these. */
  readonly containsAll?: readonly string[];
  /** SyslogMessage contains at least one of these. */
  readonly containsAny?: readonly string[];
  readonly parse?: RegExp;
  readonly captures?: readonly Capture[];
  /** KQL parse-where: no match, no row (the next pattern is tried). */
  readonly parseRequired?: boolean;
  readonly fields: PatternFields;
}

/** Fields every row of one process gets (the parser's common `extend`). */
export interface ProfileFields {
  readonly EventSubType?: AuthEventSubType;
  readonly EventSeverity?: EventSeverity;
  readonly LogonProtocol?: string;
  readonly TargetAppName?: string;
  readonly TargetAppType?: string;
  readonly ActingAppType?: string;
  readonly ActorUsernameType?: UsernameType;
  readonly TargetUsernameType?: UsernameType;
  readonly DvcOs?: string;
  readonly TargetDvcOs?: string;
}

export interface ProcessProfile {
  readonly process: string;
  readonly vendor: string;
  readonly product: string;
  /**
   * `resolved`: Dvc* from _ASIM_ResolveDvcFQDN(Computer), DvcIpAddr = HostIP, Target* system fields copied from
   * Dvc*, Dst, Dvc = DvcHostname (sshd, su). `computer`: DvcHostname = Dvc = Computer, nothing else (sudo).
   */
  readonly dvc: 'resolved' | 'computer';
  /** Which field gets ProcessID as a string. */
  readonly processIdTo: 'TargetAppId' | 'ActingAppId' | undefined;
  readonly fields: ProfileFields;
  readonly patterns: readonly AuthPattern[];
}

/** sshd Failed: LogonMethod and EventResultDetails by auth method (parser: `has 'publickey'`). */
export const FAILED_METHODS: ReadonlyMap<string, { readonly LogonMethod: string; readonly EventResultDetails: AuthEventResultDetails }> = new Map([
  ['publickey', { LogonMethod: 'PKI', EventResultDetails: 'Incorrect key' }],
]);
export const FAILED_METHOD_DEFAULT = { LogonMethod: 'Username & password', EventResultDetails: 'Incorrect password' } as const;

// Users are greedy (.*) before " from <ip> port <n>": sshd appends the real address last, so a user name that
// itself contains " from " cannot move it. For ordinary user names this equals the parser's non-greedy parse.
const REPEATED = String.raw`^message repeated (\d+) times: \[ `;
const FAILED_INVALID = String.raw`Failed (\S+) for invalid user (.*) from (\S+) port (\d+)`;
const FAILED = String.raw`Failed (\S+) for (.*) from (\S+) port (\d+)`;
const FAILED_CAPTURES: readonly Capture[] = ['FailedMethod', 'TargetUsername', 'SrcIpAddr', 'SrcPortNumber'];
const REPEATED_CAPTURES: readonly Capture[] = ['EventCount', ...FAILED_CAPTURES];

const BREAK_IN = { EventType: 'Logon', EventResult: 'Failure', EventResultDetails: 'Logon violates policy', EventSeverity: 'Medium', DvcAction: 'Block' } as const;
const SSHD_FAILURE = { EventType: 'Logon', EventResult: 'Failure', EventSeverity: 'Low' } as const;
const SSHD_INVALID_USER = { ...SSHD_FAILURE, EventResultDetails: 'No such user' } as const;

const SSHD: ProcessProfile = {
  process: 'sshd',
  vendor: 'OpenBSD',
  product: 'OpenSSH',
  dvc: 'resolved',
  processIdTo: 'TargetAppId',
  fields: { EventSubType: 'Remote', LogonProtocol: 'ssh', TargetAppName: 'sshd', TargetAppType: 'Service', TargetUsernameType: 'Simple', DvcOs: 'Linux', TargetDvcOs: 'Linux' },
  patterns: [
    {
      id: 'sshd.accepted',
      prefix: 'Accepted',
      parse: /^Accepted \S+ for (.*) from (\S+) port (\d+)/,
      captures: ['TargetUsername', 'SrcIpAddr', 'SrcPortNumber'],
      fields: { EventType: 'Logon', EventResult: 'Success', EventSeverity: 'Informational' },
    },
    // S3: "Failed <m> for invalid user X" → TargetUsername X, No such user (the parser captures "invalid user X").
    { id: 'sshd.failed_invalid_user', prefix: 'Failed', parse: new RegExp('^' + FAILED_INVALID), captures: FAILED_CAPTURES, parseRequired: true, fields: SSHD_INVALID_USER },
    { id: 'sshd.failed', prefix: 'Failed', parse: new RegExp('^' + FAILED), captures: FAILED_CAPTURES, fields: SSHD_FAILURE },
    {
      id: 'sshd.failed_repeated_invalid_user',
      prefix: 'message repeated',
      containsAll: ['Failed'],
      parse: new RegExp(REPEATED + FAILED_INVALID),
      captures: REPEATED_CAPTURES,
      parseRequired: true,
      fields: SSHD_INVALID_USER,
    },
    { id: 'sshd.failed_repeated', prefix: 'message repeated', containsAll: ['Failed'], parse: new RegExp(REPEATED + FAILED), captures: REPEATED_CAPTURES, fields: SSHD_FAILURE },
    // The port is optional: OpenSSH before 7.5 logs "Invalid user X from <ip>" (proposed S8: the parser's parse
    // needs " port <n>" and leaves user and address empty on those lines).
    {
      id: 'sshd.invalid_user',
      prefix: 'Invalid user',
      parse: /^Invalid user (.*) from (\S+?)(?: port (\d+))?\s*$/,
      captures: ['TargetUsername', 'SrcIpAddr', 'SrcPortNumber'],
      fields: SSHD_INVALID_USER,
    },
    // S7: a client timeout closes the session: Logoff / Success. parse-where: other "Timeout…" lines make no row.
    {
      id: 'sshd.timeout',
      prefix: 'Timeout',
      parse: /user (\S+) (\S+) port (\d+)$/,
      captures: ['TargetUsername', 'SrcIpAddr', 'SrcPortNumber'],
      parseRequired: true,
      fields: { EventType: 'Logoff', EventResult: 'Success', EventSeverity: 'Informational' },
    },
    {
      id: 'sshd.reverse_mapping_failed',
      prefix: 'reverse mapping checking getaddrinfo for',
      parse: / for (\S+) \[([^\]]*)\]/,
      captures: ['SrcHost', 'SrcIpAddr'],
      fields: { ...BREAK_IN, RuleName: 'Reverse mapping failed' },
    },
    {
      id: 'sshd.address_maps_mismatch',
      containsAll: ['but this does not map back to the address'],
      parse: /^Address (\S+) maps to (.*?), but this/,
      captures: ['SrcIpAddr', 'SrcHost'],
      fields: { ...BREAK_IN, RuleName: 'Address to host to address mapping does not map back to address' },
    },
    {
      id: 'sshd.nasty_ptr',
      prefix: 'Nasty PTR record',
      parse: /set up for (.*?), ignoring/,
      captures: ['SrcIpAddr'],
      fields: { ...BREAK_IN, RuleName: 'Nasty PTR record set for IP Address' },
    },
  ],
};

const SU: ProcessProfile = {
  process: 'su',
  vendor: 'Linux',
  product: 'su',
  dvc: 'resolved',
  processIdTo: 'ActingAppId',
  fields: { EventSeverity: 'Informational', ActingAppType: 'Process', ActorUsernameType: 'Simple', TargetUsernameType: 'Simple', DvcOs: 'Linux', TargetDvcOs: 'Linux' },
  patterns: [
    {
      id: 'su.success',
      prefix: 'Successful su for',
      parse: /for (.*?) by (.*)$/,
      captures: ['TargetUsername', 'ActorUsername'],
      fields: { EventType: 'Logon', EventResult: 'Success' },
    },
    {
      id: 'su.session_closed',
      containsAll: ['pam_unix(su', 'session): session closed for user'],
      parse: /for user (.*)$/,
      captures: ['TargetUsername'],
      fields: { EventType: 'Logoff', EventResult: 'Success' },
    },
    {
      id: 'su.failed',
      prefix: 'FAILED SU',
      parse: /to (.*?)\) (.*?) on /,
      captures: ['TargetUsername', 'ActorUsername'],
      fields: { EventType: 'Logon', EventResult: 'Failure' },
    },
    // U2: shadow-utils 4.x "FAILED su for X by Y", which the parser does not match.
    {
      id: 'su.failed_modern',
      prefix: 'FAILED su for',
      parse: /^FAILED su for (.*?) by (.*)$/,
      captures: ['TargetUsername', 'ActorUsername'],
      fields: { EventType: 'Logon', EventResult: 'Failure' },
    },
  ],
};

// ActorUsername: the text before the first ':' (parser: extract '^(.*?):'), without the padding sudo puts around
// it. TargetUsername: the USER= value (parser: parse-kv, pairs split on ' ', key and value on '=').
const SUDO_ACTOR_AND_USER = /^\s*([^:]*?)\s*:(?:.*? USER=([^ ]*))?/;
const SUDO_KEYS = ['TTY=', 'USER=', 'COMMAND='];

const SUDO: ProcessProfile = {
  process: 'sudo',
  vendor: 'Linux', // D1 (parser: 'sudo')
  product: 'sudo',
  dvc: 'computer',
  processIdTo: undefined,
  fields: { TargetUsernameType: 'Simple' },
  patterns: [
    // Before sudo.command: these lines also carry TTY/USER/COMMAND, and the parser then emits a Success row as
    // well as the Failure (proposed D6: only the Failure).
    {
      id: 'sudo.auth_failure',
      containsAny: ['user NOT in sudoers', 'incorrect password attempts'],
      parse: SUDO_ACTOR_AND_USER,
      captures: ['ActorUsername', 'TargetUsername'],
      fields: { EventType: 'Logon', EventResult: 'Failure', EventResultDetails: 'No such user or password', EventOriginalResultDetails: 'User authentication failed', ActorUsernameType: 'Simple' },
    },
    // Proposed D7: "alice : command not allowed ; TTY=… ; USER=root ; COMMAND=…" (and "a password is required",
    // "user NOT authorized on host") is a refusal, which the parser reports as "Connection authorized" Success.
    {
      id: 'sudo.command_refused',
      containsAll: SUDO_KEYS,
      parse: /^\s*([^:]*?)\s*: ([^;=]+?) ;(?:.*? USER=([^ ]*))?/,
      captures: ['ActorUsername', 'EventOriginalResultDetails', 'TargetUsername'],
      parseRequired: true,
      fields: { EventType: 'Logon', EventResult: 'Failure', EventResultDetails: 'Other', ActorUsernameType: 'Simple' },
    },
    // D4: a command run under sudo stays Logon (not Elevate), parity.
    {
      id: 'sudo.command',
      containsAll: SUDO_KEYS,
      parse: SUDO_ACTOR_AND_USER,
      captures: ['ActorUsername', 'TargetUsername'],
      fields: { EventType: 'Logon', EventResult: 'Success', EventResultDetails: 'Other', EventOriginalResultDetails: 'Connection authorized', ActorUsernameType: 'Simple' },
    },
    {
      id: 'sudo.session_closed',
      containsAll: ['session closed for user '],
      parse: /for user (.*)$/,
      captures: ['TargetUsername'],
      fields: { EventType: 'Logoff', EventResult: 'Success', EventResultDetails: 'Other', EventOriginalResultDetails: 'User session closed' },
    },
  ],
};

/** ProcessName → profile. The only lookup made for messages of other processes. */
export const PROFILES: ReadonlyMap<string, ProcessProfile> = new Map([SSHD, SU, SUDO].map((p) => [p.process, p]));
