/** The parsed syslog message shape shared by the RFC 5424 and RFC 3164 parsers. */

export type SyslogFormat = 'rfc5424' | 'rfc3164' | 'unparsed';

export interface SyslogMessage {
  format: SyslogFormat;
  /** 0..23; 1 (user) when the message has no PRI. */
  facility: number;
  /** 0..7; 5 (notice) when the message has no PRI. */
  severity: number;
  hasPri: boolean;
  /** ms since epoch of the message's own timestamp; undefined if none or invalid. */
  timestamp: number | undefined;
  hostname: string | undefined;
  appName: string | undefined;
  procId: string | undefined;
  msgId: string | undefined;
  /** Raw STRUCTURED-DATA text for RFC 5424 (`[a b="c"][d]`); undefined for NILVALUE. */
  structuredData: string | undefined;
  /** MSG part; for 'unparsed' the whole raw text. */
  message: string;
  /** snake_case reason code when something was defaulted or could not be parsed; undefined when clean. */
  problem: string | undefined;
  /**
   * N of a syslogd/rsyslog repeat notice (`last message repeated N times`, `message repeated N times: [ … ]`);
   * undefined otherwise. Optional for code that builds messages by hand; the parser always assigns it.
   */
  repeated?: number | undefined;
}

export interface ParseOptions {
  /** ms epoch the message was received; used to infer the year of RFC 3164 timestamps. */
  receivedAt: number;
  /**
   * Zone for timestamps without a UTC offset (RFC 3164, and RFC 3339 without offset inside RFC 3164):
   * an IANA name ('Europe/Berlin') or a fixed offset ('+02:00'). Default UTC. An unknown name is read
   * as UTC and flagged `unknown_time_zone` (validate at start with validTimeZone). Timestamps that
   * carry an offset (all RFC 5424 ones) never use it.
   */
  timeZone?: string | undefined;
}

/**
 * The one place a SyslogMessage is created: every field is assigned in the same order, so all
 * results share one hidden class.
 */
export function makeMessage(
  format: SyslogFormat,
  facility: number,
  severity: number,
  hasPri: boolean,
  timestamp: number | undefined,
  hostname: string | undefined,
  appName: string | undefined,
  procId: string | undefined,
  msgId: string | undefined,
  structuredData: string | undefined,
  message: string,
  problem: string | undefined,
  repeated?: number,
): SyslogMessage {
  return {
    format,
    facility,
    severity,
    hasPri,
    timestamp,
    hostname,
    appName,
    procId,
    msgId,
    structuredData,
    message,
    problem,
    repeated,
  };
}
