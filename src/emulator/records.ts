import type { ColumnType } from '../../parsers/tables/syslog.ts';
import type { StreamDeclaration } from '../dcr/template.ts';

/*
 * What the service does to the records of one call, as a pure function: check
 * each against the stream declaration, enforce the 30-minute TimeGenerated
 * span, truncate long strings, and replace out-of-range TimeGenerated values.
 */

/** 64 KB per field, counted in UTF-8 bytes. */
export const MAX_FIELD_BYTES = 64 * 1024;
export const MAX_SPAN_MS = 30 * 60_000;
const PAST_LIMIT_MS = 2 * 86_400_000;
const FUTURE_LIMIT_MS = 86_400_000;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

export interface RecordRules {
  dcrId: string;
  stream: string;
  undeclaredColumns: 'reject' | 'drop';
  timeSpanCheck: 'always' | 'never';
}

export type RecordsResult =
  | { ok: true; rows: Array<Record<string, unknown>>; truncatedFields: number; replacedTimeGenerated: number; droppedColumns: number }
  | { ok: false; code: 'InvalidPayload' | 'RecordsTimeRangeIsMoreThan30Minutes'; message: string; target?: string };

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** ms epoch of an ISO 8601 date-time (no zone means UTC, as in Azure), or undefined. */
export function parseIsoTime(value: string): number | undefined {
  const match = ISO_8601.exec(value);
  if (match === null) return undefined;
  const hasTime = value.length > 10;
  const text = hasTime && match[1] === undefined ? `${value}Z` : value;
  const time = Date.parse(text);
  return Number.isNaN(time) ? undefined : time;
}

const TYPE_CHECKS: Record<ColumnType, (value: unknown) => boolean> = {
  string: (value) => typeof value === 'string',
  int: (value) => Number.isInteger(value) && (value as number) >= INT32_MIN && (value as number) <= INT32_MAX,
  long: (value) => Number.isSafeInteger(value),
  real: (value) => typeof value === 'number' && Number.isFinite(value),
  boolean: (value) => typeof value === 'boolean',
  datetime: (value) => typeof value === 'string' && parseIsoTime(value) !== undefined,
  dynamic: () => true,
};

const TYPE_NAMES: Record<ColumnType, string> = {
  string: 'a JSON string',
  int: 'a 32-bit integer',
  long: 'an integer',
  real: 'a number',
  boolean: 'true or false',
  datetime: 'an ISO 8601 date-time string',
  dynamic: 'any JSON value',
};

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? `integer ${value}` : `number ${value}`;
  return typeof value;
}

/** Cuts a string to at most `maxBytes` UTF-8 bytes without splitting a character; undefined when it fits. */
export function truncateUtf8(value: string, maxBytes: number): string | undefined {
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short strings cannot be over.
  if (value.length * 3 <= maxBytes) return undefined;
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= maxBytes) return undefined;
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) so the cut falls on a character boundary.
  while (end > 0 && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}

export function checkRecords(payload: unknown, declaration: StreamDeclaration, rules: RecordRules, receivedAt: number): RecordsResult {
  if (!Array.isArray(payload)) {
    return { ok: false, code: 'InvalidPayload', message: `The request body must be a JSON array of records; got ${jsonType(payload)}.` };
  }
  const columns = new Map<string, ColumnType>(declaration.columns.map((column) => [column.name, column.type]));
  const hasTimeGenerated = columns.has('TimeGenerated');
  const rows: Array<Record<string, unknown>> = [];
  let earliest = Infinity;
  let latest = -Infinity;
  let droppedColumns = 0;
  for (let index = 0; index < payload.length; index++) {
    const record: unknown = payload[index];
    if (typeof record !== 'object' || record === null || Array.isArray(record)) {
      return { ok: false, code: 'InvalidPayload', message: `Record ${index} is ${jsonType(record)}, not a JSON object.` };
    }
    const row: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(record)) {
      const type = columns.get(name);
      if (type === undefined) {
        if (rules.undeclaredColumns === 'drop') {
          droppedColumns++;
          continue;
        }
        return {
          ok: false,
          code: 'InvalidPayload',
          target: name,
          message: `Record ${index}: column '${name}' is not declared in stream '${rules.stream}' of data collection rule '${rules.dcrId}'.`,
        };
      }
      if (value !== null && !TYPE_CHECKS[type](value)) {
        return {
          ok: false,
          code: 'InvalidPayload',
          target: name,
          message: `Record ${index}: column '${name}' is of type ${type} and must be ${TYPE_NAMES[type]}; got ${jsonType(value)}.`,
        };
      }
      row[name] = value;
    }
    const time = typeof row['TimeGenerated'] === 'string' ? parseIsoTime(row['TimeGenerated']) : undefined;
    if (time !== undefined) {
      if (time < earliest) earliest = time;
      if (time > latest) latest = time;
    }
    rows.push(row);
  }
  if (rules.timeSpanCheck === 'always' && hasTimeGenerated && latest - earliest > MAX_SPAN_MS) {
    return {
      ok: false,
      code: 'RecordsTimeRangeIsMoreThan30Minutes',
      message:
        `The TimeGenerated values of the records in this call span more than 30 minutes ` +
        `(${new Date(earliest).toISOString()} to ${new Date(latest).toISOString()}). Send them in calls that each span at most 30 minutes.`,
    };
  }
  let truncatedFields = 0;
  let replacedTimeGenerated = 0;
  const receivedIso = new Date(receivedAt).toISOString();
  for (const row of rows) {
    for (const [name, value] of Object.entries(row)) {
      if (typeof value !== 'string') continue;
      const cut = truncateUtf8(value, MAX_FIELD_BYTES);
      if (cut !== undefined) {
        row[name] = cut;
        truncatedFields++;
      }
    }
    if (hasTimeGenerated) {
      const value = row['TimeGenerated'];
      const time = typeof value === 'string' ? parseIsoTime(value) : undefined;
      if (time === undefined || time < receivedAt - PAST_LIMIT_MS || time > receivedAt + FUTURE_LIMIT_MS) {
        row['TimeGenerated'] = receivedIso;
        replacedTimeGenerated++;
      }
    }
  }
  return { ok: true, rows, truncatedFields, replacedTimeGenerated, droppedColumns };
}
