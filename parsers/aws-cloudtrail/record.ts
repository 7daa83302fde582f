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
const LOOSE = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:?\d\d)?$/i;

/**
 * An ISO 8601 UTC instant for a datetime column, or undefined when the value is not a valid date-time.
 * CloudTrail writes `2024-03-05T07:08:09Z`, which is returned as it is (the common case costs one regex test).
 * Also accepted, and rewritten as `toISOString()` (millisecond precision, fraction digits beyond it cut):
 * a fraction, a numeric offset, and a space instead of `T`; without a zone the time is taken as UTC (Panther's
 * normalized `2024-03-05 07:08:09.000000000`). Out-of-range fields (month 13, Feb 30) are invalid.
 */
export function isoTimeOf(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (value.length === 20 && CANONICAL.test(value)) {
    const ms = Date.parse(value);
    if (Number.isNaN(ms)) return undefined;
    // Date.parse accepts 2024-02-30 and rolls over; only a round trip proves the fields were in range.
    return new Date(ms).toISOString().slice(0, 19) === value.slice(0, 19) ? value : undefined;
  }
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
