/**
 * Syslog lookup tables, kept as data (STYLE.md §3): facility and severity codes to the names the
 * Sentinel Syslog table uses (reference/sentinel-tables.md §3), and month names to indexes.
 */

/** Facility code (0..23) → Sentinel `Facility` name. Names for 12..15 follow the AMA (unverified upstream). */
export const FACILITY_NAMES: readonly string[] = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news',
  'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'audit', 'alert', 'clock',
  'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
];

/** Severity code (0..7) → Sentinel `SeverityLevel` name (lowercase, as the AMA writes it). */
export const SEVERITY_NAMES: readonly string[] = [
  'emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug',
];

/** Defaults when a message carries no PRI: facility user, severity notice (RFC 3164 §4.3.3). */
export const DEFAULT_FACILITY = 1;
export const DEFAULT_SEVERITY = 5;

/** Three-letter month abbreviations, index = month (0 = January). */
export const MONTH_NAMES: readonly string[] = [
  'Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec',
];

/** Days per month (February allows 29; the leap-year check is done by the caller). */
export const DAYS_IN_MONTH: readonly number[] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Case-insensitive key of three char codes, so the hot path looks a month up without a substring. */
export function monthKey(c0: number, c1: number, c2: number): number {
  return ((c0 | 0x20) << 16) | ((c1 | 0x20) << 8) | (c2 | 0x20);
}

/** monthKey('jan') → 0 … monthKey('dec') → 11; built from MONTH_NAMES. */
export const MONTH_INDEX: ReadonlyMap<number, number> = new Map(
  MONTH_NAMES.map((name, i) => [monthKey(name.charCodeAt(0), name.charCodeAt(1), name.charCodeAt(2)), i] as const),
);

export function facilityName(code: number): string {
  return FACILITY_NAMES[code] ?? 'user';
}

export function severityName(code: number): string {
  return SEVERITY_NAMES[code] ?? 'notice';
}
