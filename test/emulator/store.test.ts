import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { RowStore } from '../../src/emulator/store.ts';

// [what a killed process left in the file, the rows kept after a restart]
const CASES: Array<[string, string, string[]]> = [
  ['a row cut short', '{"n":1}\n{"n":2}\n{"n":', ['{"n":1}', '{"n":2}']],
  ['whole rows only', '{"n":1}\n{"n":2}\n', ['{"n":1}', '{"n":2}']],
  ['only a torn row', '{"n":', []],
  ['an empty file', '', []],
  ['a torn row longer than one read', `{"n":1}\n{"pad":"${'x'.repeat(200_000)}`, ['{"n":1}']],
];

for (const [name, left, kept] of CASES) {
  void t.test(`a restarted store appends after ${name}`, async (t) => {
    const directory = mkdtempSync(join(tmpdir(), 'asimd-store-'));
    t.teardown(() => rmSync(directory, { recursive: true, force: true }));
    writeFileSync(join(directory, 'Custom-Test.ndjson'), left);
    const store = new RowStore(directory);
    await store.open();
    await store.append('Custom-Test', [{ n: 3 }]);
    t.same(readFileSync(join(directory, 'Custom-Test.ndjson'), 'utf8').split('\n').filter(Boolean), [...kept, '{"n":3}'], 'the torn row is cut, the new one whole');
    t.same(store.rows('Custom-Test').at(-1), { n: 3 });
  });
}
