import t from 'tap';
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
