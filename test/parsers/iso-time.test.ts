import t from 'tap';
import { isoTimeOf } from '../../parsers/aws-cloudtrail/record.ts';
import { isoTime } from '../../parsers/tables/iso-time.ts';

// Instants around the edges a cache could get wrong: minute, hour, day, year and leap-day boundaries,
// the epoch, negative times, and years with fewer or more than four digits.
const INSTANTS = [
  0, 1, 999, 59_999, 60_000, -1, -60_001, Date.parse('2026-11-28T12:34:56.789Z'), Date.parse('2026-12-31T23:59:59.999Z'),
  Date.parse('2027-01-01T00:00:00.000Z'), Date.parse('2024-02-29T23:59:59.500Z'), Date.parse('0999-06-15T10:00:00.001Z'), 8.64e15, -8.64e15,
];

void t.test('isoTime equals Date#toISOString', async (t) => {
  for (const ms of INSTANTS) t.equal(isoTime(ms), new Date(ms).toISOString(), String(ms));
  // A sweep across minutes in both directions, so cache hits and misses alternate.
  for (let ms = 1_700_000_000_000 - 200_000; ms < 1_700_000_000_000 + 200_000; ms += 7_919) {
    if (isoTime(ms) !== new Date(ms).toISOString()) t.fail(`differs at ${ms}`);
  }
  t.pass('sweep');
});

// CloudTrail's canonical `YYYY-MM-DDTHH:MM:SSZ` is checked field by field; the rule it must agree with is the
// Date.parse → toISOString round trip (a field out of range rolls over and no longer matches).
function roundTripValid(text: string): boolean {
  const ms = Date.parse(text);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 19) === text.slice(0, 19);
}

void t.test('isoTimeOf on canonical CloudTrail times agrees with the Date round trip', async (t) => {
  const pad = (n: number, width: number): string => String(n).padStart(width, '0');
  const cases: string[] = [];
  for (const year of [1900, 1999, 2000, 2023, 2024, 2100, 2400, 9999]) {
    for (let month = 0; month <= 13; month++) {
      for (const day of [0, 1, 28, 29, 30, 31, 32]) cases.push(`${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T12:00:00Z`);
    }
  }
  for (const time of ['00:00:00', '23:59:59', '24:00:00', '23:60:00', '23:59:60', '29:00:00']) cases.push(`2024-03-05T${time}Z`);
  // toISOString's form with milliseconds has its own fast path; the general rule also wants a four-digit year from 1000.
  for (const text of [...cases]) cases.push(text.replace('Z', '.123Z'));
  cases.push('0999-01-01T00:00:00.000Z', '0999-01-01T00:00:00Z');
  let valid = 0;
  for (const text of cases) {
    const millis = text.length === 24;
    const expected = roundTripValid(text) && (!millis || Number(text.slice(0, 4)) >= 1000) ? text : undefined;
    if (isoTimeOf(text) !== expected) t.fail(`${text}: ${String(isoTimeOf(text))}, expected ${String(expected)}`);
    if (expected !== undefined) valid++;
  }
  // Both outcomes occur, so the comparison is not vacuous.
  t.ok(valid > 100 && valid < cases.length - 100, `${valid} of ${cases.length} valid`);
  t.equal(isoTimeOf('2024-02-29T07:08:09Z'), '2024-02-29T07:08:09Z');
  t.equal(isoTimeOf('2023-02-29T07:08:09Z'), undefined);
  t.equal(isoTimeOf('2024-04-31T07:08:09Z'), undefined);
});
