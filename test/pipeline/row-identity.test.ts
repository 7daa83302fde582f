import t from 'tap';
import { rowIdentity } from '../../src/pipeline/row-identity.ts';

const frameId = (peer: string, line: string): string => rowIdentity(`${peer} ${line}`);

void t.test('the same input gives the same identity; any change gives another', async (t) => {
  const line = '<13>1 2026-11-28T10:00:00Z host app - - - hello';
  t.match(frameId('10.0.0.1', line), /^[0-9a-f]{16}$/, '16 hex digits');
  t.equal(frameId('10.0.0.1', line), frameId('10.0.0.1', line), 'stable');
  t.not(frameId('10.0.0.2', line), frameId('10.0.0.1', line), 'the peer counts');
  t.not(frameId('10.0.0.1', `${line}!`), frameId('10.0.0.1', line), 'one character more');
  t.not(frameId('10.0.0.1', line.replace('hello', 'hellp')), frameId('10.0.0.1', line), 'one character different');
  // The identity must not change between releases: rows delivered before and after an upgrade must match.
  t.equal(rowIdentity('aws:0b8e4d1c-6c71-4b36-9b3f-2d0a1f6e9c11'), '82f7f76a47d259c8', 'pinned: XXH64, seed 0');
});

void t.test('no collisions among 200,000 similar lines', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 200_000; i++) seen.add(frameId('192.0.2.1', `<13>1 2026-11-28T10:00:00Z host app - - - seq=${i}`));
  t.equal(seen.size, 200_000);
});
