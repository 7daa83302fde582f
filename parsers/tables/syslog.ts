/**
 * Sentinel Syslog table row builder (reference/sentinel-tables.md §3). Pure; the row keeps one
 * shape because every field is assigned in the same order on every call.
 */
import type { SyslogMessage } from '../syslog/index.ts';
import { facilityName, severityName } from '../syslog/codes.ts';
import { isoTime } from './iso-time.ts';

/** What this normalizer emits. */
export const SYSLOG_STREAM_SCHEMA = { table: 'Syslog', version: '2024' } as const;

export interface SyslogRowContext {
  /** Peer address of the sender (UDP source or TCP/TLS peer). */
  hostIp: string;
  /** ms epoch the frame was received. */
  receivedAt: number;
  /** The frame was cut at the size limit. */
  truncated: boolean;
  /** The frame had invalid UTF-8, replaced by U+FFFD (decodeFrame's `invalid`). Adds `invalid_utf8`. */
  invalidUtf8?: boolean | undefined;
}

export interface SyslogRow {
  TimeGenerated: string;
  EventTime: string;
  Computer: string;
  HostName: string;
  HostIP: string;
  Facility: string;
  SeverityLevel: string;
  ProcessName: string | undefined;
  ProcessID: number | undefined;
  SyslogMessage: string;
  SourceSystem: string;
  AsimdFlags: string | undefined;
}

export type ColumnType = 'string' | 'int' | 'long' | 'real' | 'boolean' | 'datetime' | 'dynamic';

/** Columns of SyslogRow, in row order (for the DCR stream declaration). */
export const SYSLOG_COLUMNS: ReadonlyArray<{ name: string; type: ColumnType }> = [
  { name: 'TimeGenerated', type: 'datetime' },
  { name: 'EventTime', type: 'datetime' },
  { name: 'Computer', type: 'string' },
  { name: 'HostName', type: 'string' },
  { name: 'HostIP', type: 'string' },
  { name: 'Facility', type: 'string' },
  { name: 'SeverityLevel', type: 'string' },
  { name: 'ProcessName', type: 'string' },
  { name: 'ProcessID', type: 'int' },
  { name: 'SyslogMessage', type: 'string' },
  { name: 'SourceSystem', type: 'string' },
  { name: 'AsimdFlags', type: 'string' },
];

const INT32_MAX = 2_147_483_647;

/** PROCID as an int column value: only a non-negative decimal integer that fits in 32 bits. */
export function processId(procId: string | undefined): number | undefined {
  if (procId === undefined || procId.length === 0 || procId.length > 10) return undefined;
  let value = 0;
  for (let i = 0; i < procId.length; i++) {
    const d = procId.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    value = value * 10 + d;
  }
  return value <= INT32_MAX ? value : undefined;
}

/**
 * Comma-separated flags in fixed order: `truncated`, `invalid_utf8` (both about the frame's bytes), then
 * `unparsed`, then the parser's problem code (about its syntax). Undefined when there is none.
 */
function flags(msg: SyslogMessage, truncated: boolean, invalidUtf8: boolean): string | undefined {
  let out: string | undefined;
  if (truncated) out = 'truncated';
  if (invalidUtf8) out = out === undefined ? 'invalid_utf8' : out + ',invalid_utf8';
  if (msg.format === 'unparsed') out = out === undefined ? 'unparsed' : out + ',unparsed';
  if (msg.problem !== undefined) out = out === undefined ? msg.problem : out + ',' + msg.problem;
  return out;
}

export function toSyslogRow(msg: SyslogMessage, ctx: SyslogRowContext): SyslogRow {
  const time = isoTime(msg.timestamp ?? ctx.receivedAt);
  const host = msg.hostname ?? ctx.hostIp;
  return {
    TimeGenerated: time,
    EventTime: time,
    Computer: host,
    HostName: host,
    HostIP: ctx.hostIp,
    Facility: facilityName(msg.facility),
    SeverityLevel: severityName(msg.severity),
    ProcessName: msg.appName,
    ProcessID: processId(msg.procId),
    SyslogMessage: msg.message,
    SourceSystem: 'Linux',
    AsimdFlags: flags(msg, ctx.truncated, ctx.invalidUtf8 === true),
  };
}
