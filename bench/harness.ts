/** What every bench script prints and computes the same way: the environment line, medians, number format. */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';

/** The short commit of the working tree, or 'unknown' outside a git checkout. */
export function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

/** "node v20.20.2, <CPU model> × 2, commit abc1234": printed with every result. */
export function environment(): string {
  const list = cpus();
  return `node ${process.version}, ${list[0]?.model ?? 'cpu'} × ${list.length}, commit ${commit()}`;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

let sink = 0;

/** Runs `step` over items 0..n-1 repeatedly for at least `ms`; returns items per second. */
export function rate(n: number, step: (i: number) => number, ms: number): number {
  let count = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < n; i++) sink += step(i);
    count += n;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

/** Keeps results observable so the optimizer cannot drop the measured work. */
export function consumed(): number {
  return sink;
}
