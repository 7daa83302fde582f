/**
 * Summarizes V8 CPU profiles (`node --cpu-prof`, one .cpuprofile per thread): busy time per thread and the
 * functions with the most self time over all threads. `npm run bench -- --cpu-prof` profiles asimd in the
 * syslog TCP → HTTP run and prints this; on its own:
 *
 *   node --import ./scripts/ts-loader.mjs bench/profile.ts <directory of .cpuprofile files> [top]
 */
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './processes.ts';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  threads: Array<{ thread: string; busyMs: number }>;
  /** Per group of threads (main, workers): busy time and the functions with the most self time. */
  groups: Array<{ group: string; busyMs: number; top: Array<{ function: string; where: string; selfMs: number; percent: number }> }>;
}

/**
 * Samples that are not CPU work: V8's idle, and piscina's idle workers blocked in Atomics.wait (the
 * profiler samples a blocked thread inside the function that blocks).
 */
const NOT_CPU = new Set(['(idle)', 'atomicsWaitLoop']);

function where(url: string, line: number): string {
  if (url === '') return '(native)';
  const path = url.replace(pathToFileURL(ROOT).href, '').replace(/^file:\/\//, '');
  return `${path.replace(/^.*node_modules\//, '')}:${line + 1}`;
}

/** Busy time per thread, and per group of threads the `top` functions by self time, over every .cpuprofile in `dir`. */
export function summarizeProfiles(dir: string, top = 12): ProfileSummary {
  const groups = new Map<string, { busyMs: number; self: Map<string, { function: string; where: string; selfMs: number }> }>();
  const threads: ProfileSummary['threads'] = [];
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.cpuprofile'))) {
    // CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; thread 0 is the main thread.
    const threadId = basename(file).split('.')[4] ?? '?';
    const group = threadId === '0' ? 'main thread' : 'worker threads';
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    let entry = groups.get(group);
    if (entry === undefined) {
      entry = { busyMs: 0, self: new Map() };
      groups.set(group, entry);
    }
    let threadMs = 0;
    profile.samples.forEach((id, i) => {
      const node = nodes.get(id);
      if (node === undefined) return;
      const name = node.callFrame.functionName || '(anonymous)';
      if (NOT_CPU.has(name)) return;
      const ms = (profile.timeDeltas[i] ?? 0) / 1000;
      threadMs += ms;
      const location = where(node.callFrame.url, node.callFrame.lineNumber);
      const key = `${name} ${location}`;
      const fn = entry.self.get(key) ?? { function: name, where: location, selfMs: 0 };
      fn.selfMs += ms;
      entry.self.set(key, fn);
    });
    entry.busyMs += threadMs;
    threads.push({ thread: threadId === '0' ? 'main' : `worker ${threadId}`, busyMs: threadMs });
  }
  return {
    threads,
    groups: [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([group, entry]) => ({
      group,
      busyMs: entry.busyMs,
      top: [...entry.self.values()]
        .sort((a, b) => b.selfMs - a.selfMs)
        .slice(0, top)
        .map((fn) => ({ ...fn, percent: (100 * fn.selfMs) / Math.max(entry.busyMs, 1) })),
    })),
  };
}

/** The summary as Markdown: one table per group of threads. */
export function profileMarkdown(summary: ProfileSummary): string {
  const lines = [`Busy JS/GC time per thread: ${summary.threads.map((t) => `${t.thread} ${Math.round(t.busyMs)} ms`).join(', ')}.`];
  for (const group of summary.groups) {
    lines.push('', `| ${group.group} (${Math.round(group.busyMs)} ms) | self % | self ms | where |`, '|---|---:|---:|---|');
    for (const fn of group.top) lines.push(`| \`${fn.function}\` | ${fn.percent.toFixed(1)} | ${Math.round(fn.selfMs)} | ${fn.where} |`);
  }
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (dir === undefined) {
    console.error('usage: bench/profile.ts <directory of .cpuprofile files> [top]');
    process.exit(2);
  }
  console.log(profileMarkdown(summarizeProfiles(dir, Number(process.argv[3] ?? 15))));
}
