/**
 * Splits `items` into at most `parts` runs of neighbours (order kept, every
 * item in exactly one run, no run empty) whose byte totals are as even as
 * whole items allow: each run takes items until it has its share of what is
 * left.
 */
export function splitByBytes<T extends { bytes: number }>(items: readonly T[], parts: number): T[][] {
  const runs: T[][] = [];
  const count = Math.max(1, Math.min(parts, items.length));
  let left = items.reduce((sum, item) => sum + item.bytes, 0);
  let next = 0;
  for (let part = count; part > 0 && next < items.length; part--) {
    const share = left / part;
    const run: T[] = [];
    let bytes = 0;
    // At least one item, and one left for each run still to come.
    do {
      const item = items[next++] as T;
      run.push(item);
      bytes += item.bytes;
    } while (next < items.length - (part - 1) && bytes < share);
    left -= bytes;
    runs.push(run);
  }
  return runs;
}
