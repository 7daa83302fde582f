import t from 'tap';
import { splitByBytes } from '../../src/pipeline/split.ts';

// [request sizes, parts, expected runs of sizes]: HTTP requests of one turn split over the idle threads.
const CASES: Array<[number[], number, number[][]]> = [
  [[100], 2, [[100]]],
  [[100, 100], 2, [[100], [100]]],
  [[100, 100, 100, 100], 2, [[100, 100], [100, 100]]],
  [[300, 100, 100, 100], 2, [[300], [100, 100, 100]]],
  [[100, 100, 100, 300], 2, [[100, 100, 100], [300]]],
  [[10, 10, 10, 10, 10, 10], 3, [[10, 10], [10, 10], [10, 10]]],
  [[1000, 1, 1], 3, [[1000], [1], [1]]],
  [[5, 5, 5], 1, [[5, 5, 5]]],
  [[5, 5, 5], 0, [[5, 5, 5]]],
  [[], 2, []],
];

for (const [sizes, parts, expected] of CASES) {
  void t.test(`${JSON.stringify(sizes)} over ${parts}`, async (t) => {
    const items = sizes.map((bytes, index) => ({ bytes, index }));
    const runs = splitByBytes(items, parts);
    t.same(runs.map((run) => run.map((item) => item.bytes)), expected);
    t.same(runs.flat().map((item) => item.index), items.map((item) => item.index), 'every item once, in order');
  });
}
