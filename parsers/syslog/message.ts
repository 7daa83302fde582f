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
}

export interface ParseOptions {
  /** ms epoch the message was received; used to infer the year of RFC 3164 timestamps. */
  receivedAt: number;
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
  };
}
