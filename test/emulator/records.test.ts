import { readFileSync } from 'node:fs';
import t from 'tap';
import type { ColumnType } from '../../parsers/tables/syslog.ts';
import { checkRecords, parseIsoTime, truncateUtf8 } from '../../src/emulator/records.ts';

/* Column type checks, driven by test/fixtures/emulator/column-values.json: adding a line adds a case. */

interface Case {
  type: ColumnType;
  value: unknown;
  ok: boolean;
}

const cases = JSON.parse(readFileSync(new URL('../fixtures/emulator/column-values.json', import.meta.url), 'utf8')) as Case[];
const rules = { dcrId: 'dcr-00000000000000000000000000000000', stream: 'Custom-T', undeclaredColumns: 'reject', timeSpanCheck: 'always' } as const;

void t.test('column values against declared types', async (t) => {
  for (const { type, value, ok } of cases) {
    const result = checkRecords([{ C: value }], { columns: [{ name: 'C', type }] }, rules, Date.now());
    t.equal(result.ok, ok, `${type} ← ${JSON.stringify(value)}`);
    if (!result.ok) t.equal(result.target, 'C', 'the error names the column');
  }
});

void t.test('datetimes without a zone are UTC', async (t) => {
  t.equal(parseIsoTime('2026-11-28T10:00:00'), Date.UTC(2026, 10, 28, 10));
  t.equal(parseIsoTime('2026-11-28 10:00:00+01:00'), Date.UTC(2026, 10, 28, 9));
  t.equal(parseIsoTime('not a date'), undefined);
});

void t.test('truncateUtf8 cuts on a character boundary', async (t) => {
  t.equal(truncateUtf8('abc', 3), undefined, 'fits');
  t.equal(truncateUtf8('a'.repeat(10), 4), 'aaaa');
  t.equal(truncateUtf8('€€€', 7), '€€', 'a 3-byte character is not split');
  t.equal(truncateUtf8('😀😀', 5), '😀', 'nor a 4-byte one');
});

void t.test('a stream without TimeGenerated gets no span check and no replacement', async (t) => {
  const result = checkRecords([{ C: 'x' }], { columns: [{ name: 'C', type: 'string' }] }, rules, Date.now());
  t.same(result.ok ? result.rows : undefined, [{ C: 'x' }]);
});
