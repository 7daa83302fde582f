import { readFileSync } from 'node:fs';
import t from 'tap';
import { SyslogStreamFramer, type FramerCounts } from '../../src/sources/framing/syslog-stream-framer.ts';

interface FramingCase {
  name: string;
  maxBytes: number;
  chunks: string[];
  frames: Array<[string, boolean]>;
  method: 'lf' | 'octet';
  truncated?: number;
  empty?: number;
  lf_fallback?: number;
}

/** `__REPEAT_c_n__` expands to n copies of c, so long frames stay readable in the table. */
const expand = (text: string): string => text.replace(/__REPEAT_(.)_(\d+)__/g, (_m, char: string, n: string) => char.repeat(Number(n)));

function frame(chunks: Buffer[], maxBytes: number): { frames: Array<[string, boolean]>; framer: SyslogStreamFramer } {
  const frames: Array<[string, boolean]> = [];
  const framer = new SyslogStreamFramer(maxBytes, (buffer, start, end, truncated) => {
    frames.push([buffer.toString('latin1', start, end), truncated]);
  });
  for (const chunk of chunks) framer.push(chunk);
  framer.end();
  return { frames, framer };
}

const cases = readFileSync(new URL('../fixtures/framing/cases.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as FramingCase);

for (const testCase of cases) {
  void t.test(testCase.name, async (t) => {
    const chunks = testCase.chunks.map((chunk) => Buffer.from(expand(chunk), 'latin1'));
    const expected = testCase.frames.map(([text, truncated]): [string, boolean] => [expand(text), truncated]);
    const { frames, framer } = frame(chunks, testCase.maxBytes);
    t.same(frames, expected, 'frames');
    t.equal(framer.method, testCase.method, 'framing method');
    const counts: Partial<FramerCounts> = { truncated: testCase.truncated ?? 0, empty: testCase.empty ?? 0, lf_fallback: testCase.lf_fallback ?? 0 };
    t.match(framer.counts, counts, 'counts');

    // The same bytes split at every position give the same frames.
    const whole = Buffer.concat(chunks);
    for (let cut = 1; cut < whole.length; cut++) {
      const split = frame([whole.subarray(0, cut), whole.subarray(cut)], testCase.maxBytes);
      if (JSON.stringify(split.frames) !== JSON.stringify(expected)) {
        t.fail(`split at byte ${cut} changed the frames`, { found: split.frames, wanted: expected });
        return;
      }
    }
    // And one byte per read.
    const bytewise = frame([...whole].map((byte) => Buffer.from([byte])), testCase.maxBytes);
    t.same(bytewise.frames, expected, 'one byte per read');
  });
}

void t.test('a leftover does not keep the whole read chunk alive', async (t) => {
  const framer = new SyslogStreamFramer(480, () => {});
  framer.push(Buffer.from('<13>done\n<13>partial'));
  t.equal(framer.pendingBytes, '<13>partial'.length);
});
