// CEF throughput, one core: parseCef + toCommonSecurityLogRow + JSON.stringify over the corpus CEF lines
// (../shared/corpus/cef), with the stages split out and the Syslog row path on the same lines as a baseline.
// Run: node --import ./scripts/ts-loader.mjs bench/cef.ts
// A script, not a test: it prints numbers (median of 5 runs of >= 1 s each, after a warm-up).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { cefStart, parseCefAt } from '../parsers/cef/index.ts';
import { parseSyslog } from '../parsers/syslog/index.ts';
import { toCommonSecurityLogRow } from '../parsers/tables/common-security-log.ts';
import type { CommonSecurityLogContext } from '../parsers/tables/common-security-log.ts';
import { toSyslogRow } from '../parsers/tables/syslog.ts';
import { commit, fmt, median } from './harness.ts';

const CORPUS_URL = new URL('../../shared/corpus/cef/', import.meta.url);
const RUNS = 5;
const RUN_MS = 1000;
const WARMUP_MS = 1000;


/** Every line of the corpus that holds CEF: the JSONL vectors' inputs and the sample files' lines. */
function loadLines(): string[] {
  const lines: string[] = [];
  const add = (line: string): void => {
    if (cefStart(line) >= 0) lines.push(line);
  };
  for (const file of ['liblognorm_cef_testvectors.jsonl', 'netty-codec-syslog_cef_testvectors.jsonl']) {
    for (const text of readFileSync(new URL(file, CORPUS_URL), 'utf8').split('\n')) {
      if (text.trim() !== '') add(String((JSON.parse(text) as { input: unknown }).input));
    }
  }
  for (const dir of ['elastic-integrations/', 'azure-sentinel/']) {
    for (const name of readdirSync(new URL(dir, CORPUS_URL)).sort()) {
      for (const text of readFileSync(new URL(dir + name, CORPUS_URL), 'utf8').split('\n')) add(text);
    }
  }
  return lines;
}

let sink = 0;

type Step = (line: string) => number;

/** Runs the whole list repeatedly for at least `ms`; returns messages per second. */
function run(step: Step, lines: readonly string[], ms: number): number {
  let count = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    for (let i = 0; i < lines.length; i++) sink += step(lines[i] ?? '');
    count += lines.length;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}



if (!existsSync(CORPUS_URL)) {
  console.error(`CEF corpus not found at ${fileURLToPath(CORPUS_URL)}`);
  process.exit(1);
}

const lines = loadLines();
const receivedAt = Date.now();
const ctx: CommonSecurityLogContext = { receivedAt, hostIp: '192.0.2.1', syslog: { timestamp: undefined, hostname: 'host', facility: 16, severity: 6 } };

const steps: [string, Step][] = [
  ['parseCef', (line) => parseCefAt(line, cefStart(line))?.extensions.size ?? 0],
  ['parseCef + row', (line) => {
    const ev = parseCefAt(line, cefStart(line));
    return ev === undefined ? 0 : toCommonSecurityLogRow(ev, ctx).TimeGenerated.length;
  }],
  ['parseCef + row + JSON.stringify', (line) => {
    const ev = parseCefAt(line, cefStart(line));
    return ev === undefined ? 0 : JSON.stringify(toCommonSecurityLogRow(ev, ctx)).length;
  }],
  ['parseSyslog + parseCef + row + JSON.stringify (whole frame)', (line) => {
    const msg = parseSyslog(line, { receivedAt });
    const ev = parseCefAt(line, cefStart(line));
    if (ev === undefined) return 0;
    const hostname = msg.format === 'unparsed' ? undefined : msg.hostname;
    const row = toCommonSecurityLogRow(ev, { receivedAt, hostIp: '192.0.2.1', syslog: { timestamp: msg.timestamp, hostname, facility: msg.facility, severity: msg.severity } });
    return JSON.stringify(row).length;
  }],
  ['baseline: parseSyslog + Syslog row + JSON.stringify', (line) => {
    const row = toSyslogRow(parseSyslog(line, { receivedAt }), { hostIp: '192.0.2.1', receivedAt, truncated: false });
    return JSON.stringify(row).length;
  }],
];

const cpus = os.cpus();
const avg = Math.round(lines.reduce((a, s) => a + s.length, 0) / Math.max(1, lines.length));
console.log(`node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores), ${os.platform()} ${os.arch()}, commit ${commit()}`);
console.log(`messages: ${lines.length} corpus CEF lines (avg ${avg} chars)`);
console.log(`single thread, median of ${RUNS} runs of >= ${RUN_MS} ms after ${WARMUP_MS} ms warm-up\n`);
console.log('| path | msgs/s (median) | min | max | MB/s in |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, step] of steps) {
  run(step, lines, WARMUP_MS);
  const results: number[] = [];
  for (let r = 0; r < RUNS; r++) results.push(run(step, lines, RUN_MS));
  const m = median(results);
  console.log(`| ${name} | ${fmt(m)} | ${fmt(Math.min(...results))} | ${fmt(Math.max(...results))} | ${((m * avg) / 1e6).toFixed(1)} |`);
}
if (sink === 42) console.log('');
