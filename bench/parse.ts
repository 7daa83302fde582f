// Parser throughput, one core: ours vs nsyslog-parser over the corpus messages.
// Run: node --import ./scripts/ts-loader.mjs bench/parse.ts
// A script, not a test: it prints numbers (median of 5 runs of >= 1 s each, after a warm-up).
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import { parseSyslog } from '../parsers/syslog/index.ts';
import { corpusAvailable, CORPUS_URL, loadBenchMessages } from '../test/fixtures/syslog/corpus.ts';

const require = createRequire(import.meta.url);
const nsyslogParse = require('nsyslog-parser') as (text: string) => { message?: unknown };

const RUNS = 5;
const RUN_MS = 1000;
const WARMUP_MS = 1000;

type Parse = (text: string) => unknown;

function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

let sink = 0;

/** Parses the whole list repeatedly for at least `ms`; returns messages per second. */
function run(parse: Parse, messages: readonly string[], ms: number): number {
  let count = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < messages.length; i++) {
      const r = parse(messages[i] ?? '');
      if (r !== undefined) sink++;
    }
    count += messages.length;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

if (!corpusAvailable()) {
  console.error(`corpus not found at ${CORPUS_URL.pathname}`);
  process.exit(1);
}

const { rfc5424, rfc3164 } = loadBenchMessages();
const receivedAt = Date.now();
const parsers: [string, Parse][] = [
  ['asimd parseSyslog', (text) => parseSyslog(text, { receivedAt })],
  ['nsyslog-parser 0.10.1', (text) => nsyslogParse(text)],
];
const sets: [string, string[]][] = [
  ['rfc5424', rfc5424],
  ['rfc3164', rfc3164],
];

const cpus = os.cpus();
console.log(`node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores), ${os.platform()} ${os.arch()}, commit ${commit()}`);
console.log(`messages: rfc5424 ${rfc5424.length} distinct, rfc3164 ${rfc3164.length} distinct (avg ${avgLen(rfc5424)} / ${avgLen(rfc3164)} chars)`);
console.log(`single thread, median of ${RUNS} runs of >= ${RUN_MS} ms after ${WARMUP_MS} ms warm-up\n`);
console.log('| parser | format | msgs/s (median) | min | max |');
console.log('|---|---|---:|---:|---:|');
for (const [setName, messages] of sets) {
  for (const [name, parse] of parsers) {
    run(parse, messages, WARMUP_MS);
    const results: number[] = [];
    for (let r = 0; r < RUNS; r++) results.push(run(parse, messages, RUN_MS));
    console.log(`| ${name} | ${setName} | ${fmt(median(results))} | ${fmt(Math.min(...results))} | ${fmt(Math.max(...results))} |`);
  }
}
if (sink === 42) console.log('');

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

function avgLen(list: string[]): number {
  return Math.round(list.reduce((a, s) => a + s.length, 0) / Math.max(1, list.length));
}
