import t from 'tap';
import { identityBytes, identityOf, identityOfText, identityStart, identityText } from '../../src/pipeline/row-identity.ts';

const frameId = (peer: string, line: string): string => {
  const bytes = Buffer.from(`xx${line}yy`);
  return identityOf(identityBytes(identityText(identityStart(), peer), bytes, 2, bytes.length - 2));
};

void t.test('the same input gives the same identity; any change gives another', async (t) => {
  const line = '<13>1 2026-11-28T10:00:00Z host app - - - hello';
  t.match(frameId('10.0.0.1', line), /^[0-9a-f]{16}$/, '16 hex digits');
  t.equal(frameId('10.0.0.1', line), frameId('10.0.0.1', line), 'stable');
  t.not(frameId('10.0.0.2', line), frameId('10.0.0.1', line), 'the peer counts');
  t.not(frameId('10.0.0.1', `${line}!`), frameId('10.0.0.1', line), 'one byte more');
  t.not(frameId('10.0.0.1', line.replace('hello', 'hellp')), frameId('10.0.0.1', line), 'one byte different');
  t.equal(identityOfText('aws:abc'), identityOfText('aws:abc'));
  t.not(identityOfText('aws:abc'), identityOfText('aws:abd'));
  // Lengths 0–7 exercise every tail shape.
  const ids = new Set(Array.from({ length: 8 }, (_, n) => frameId('', 'a'.repeat(n))));
  t.equal(ids.size, 8, 'tails of every length differ');
  // A reused state is fully reset.
  const state = identityStart();
  identityText(state, 'something else');
  t.equal(identityOf(identityText(identityStart(state), 'x')), identityOfText('x'), 'reset on reuse');
});

void t.test('no collisions among 200,000 similar lines', async (t) => {
  const seen = new Set<string>();
  for (let i = 0; i < 200_000; i++) seen.add(frameId('192.0.2.1', `<13>1 2026-11-28T10:00:00Z host app - - - seq=${i}`));
  t.equal(seen.size, 200_000);
});
