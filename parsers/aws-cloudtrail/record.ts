/**
 * A CloudTrail record as parsed JSON, and the value readers every CloudTrail mapping shares. Records come from
 * outside (S3 log files, EventBridge, forwarders), so nothing about a field's type is trusted: each reader
 * returns `undefined` for a value of the wrong type instead of throwing.
 */

/** One CloudTrail event (https://docs.aws.amazon.com/awscloudtrail/latest/userguide/cloudtrail-event-reference-record-contents.html). */
export interface CloudTrailRecord {
  [key: string]: unknown;
}

/** A plain JSON object (not an array, not null), else undefined. */
export function objectOf(value: unknown): CloudTrailRecord | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as CloudTrailRecord) : undefined;
}

/**
 * A string column value: strings as they are (empty → undefined, the row's "empty"); numbers and booleans in
 * their JSON spelling (some producers write `"eventVersion": 1.08` or ports as numbers); anything else undefined.
 */
export function stringOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return undefined;
}

/** A bool column value: JSON booleans, and the strings "true"/"false" (sessionContext attributes are strings). */
export function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (value === 'true') return true;
  if (value === 'false') return false;
  return undefined;
}

/**
 * A JSON sub-object stored in a string column (RequestParameters, Resources, …): JSON text of objects and
 * arrays; a string is kept as it is (already text); null, absent and other scalars are empty.
 */
export function jsonTextOf(value: unknown): string | undefined {
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  if (typeof value === 'string') return value === '' ? undefined : value;
  return undefined;
}

const CANONICAL = /^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-6]\dZ$/;
const MILLIS = /^\d{4}-[01]\d-[0-3]\dT[0-2]\d:[0-5]\d:[0-6]\d\.\d{3}Z$/;
const LOOSE = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$/i;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Two or four ASCII digits (CANONICAL has checked they are digits) as a number. */
function digitsAt(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

/**
 * Whether a CANONICAL time names a real instant (no Feb 30, no 24:00, no second 60): what a Date.parse and
 * toISOString round trip proves, without the two Date objects and strings, on the field every record has.
 */
function canonicalInRange(text: string): boolean {
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (month < 1 || month > 12 || day < 1 || digitsAt(text, 11, 2) > 23 || digitsAt(text, 14, 2) > 59 || digitsAt(text, 17, 2) > 59) return false;
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  return day <= (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0));
}

/**
 * An ISO 8601 UTC instant for a datetime column, or undefined when the value is not a valid date-time.
 * CloudTrail writes `2024-03-05T07:08:09Z`, which is returned as it is (the common case costs one regex test).
 * Also accepted, and rewritten as `toISOString()` (millisecond precision, fraction digits beyond it cut):
 * a fraction, a numeric offset, and a space instead of `T`; without a zone the time is taken as UTC (Panther's
 * normalized `2024-03-05 07:08:09.000000000`). Out-of-range fields (month 13, Feb 30) are invalid.
 */
export function isoTimeOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length === 20 && CANONICAL.test(value)) return canonicalInRange(value) ? value : undefined;
  // toISOString's own form (what most forwarders write): already what the LOOSE path would return.
  if (value.length === 24 && MILLIS.test(value) && digitsAt(value, 0, 4) >= 1000) return canonicalInRange(value) ? value : undefined;
  const m = LOOSE.exec(value);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  const millis = frac === undefined ? 0 : Number(frac.slice(0, 3).padEnd(3, '0'));
  let ms = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const check = new Date(ms);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || check.getUTCHours() !== hour || check.getUTCMinutes() !== minute || check.getUTCSeconds() !== second) {
    return undefined;
  }
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    const offsetMinutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4));
    if (offsetMinutes > 18 * 60) return undefined;
    ms -= sign * offsetMinutes * 60_000;
  }
  if (year < 1000 || Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString();
}
