// Parser throughput, one core: ours vs nsyslog-parser over the corpus messages, RFC 3164 with a
// per-source time zone, and frame decoding (decodeFrame vs the plain Buffer decode it replaces, and vs
// a JS scan for bytes >= 0x80) over a mixed corpus.
// Run: node --import ./scripts/ts-loader.mjs bench/parse.ts
// A script, not a test: it prints numbers (median of 5 runs of >= 1 s each, after a warm-up).
import { createRequire } from 'node:module';
import { isUtf8 } from 'node:buffer';
import os from 'node:os';
import { createParser, decodeFrame, parseSyslog } from '../parsers/syslog/index.ts';
import { corpusAvailable, CORPUS_URL, loadBenchMessages } from '../test/fixtures/syslog/corpus.ts';
import { commit, fmt, median } from './harness.ts';

const require = createRequire(import.meta.url);
const nsyslogParse = require('nsyslog-parser') as (text: string) => { message?: unknown };

const RUNS = 5;
const RUN_MS = 1000;
const WARMUP_MS = 1000;

type Parse = (text: string) => unknown;


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


if (!corpusAvailable()) {
  console.error(`corpus not found at ${CORPUS_URL.pathname}`);
  process.exit(1);
}

const { rfc5424, rfc3164 } = loadBenchMessages();
const receivedAt = Date.now();
const newYork = createParser({ timeZone: 'America/New_York' });
const parsers: [string, Parse][] = [
  ['asimd parseSyslog', (text) => parseSyslog(text, { receivedAt })],
  ['nsyslog-parser 0.10.1', (text) => nsyslogParse(text)],
];
const sets: [string, string[]][] = [
  ['rfc5424', rfc5424],
  ['rfc3164', rfc3164],
];
/** Extra rows: [parser name, set name, parse, messages]. */
const extra: [string, string, Parse, string[]][] = [
  ["asimd createParser({ timeZone: 'America/New_York' })", 'rfc3164', (text) => newYork(text, receivedAt), rfc3164],
  ["asimd parseSyslog(text, { receivedAt, timeZone: 'America/New_York' })", 'rfc3164', (text) => parseSyslog(text, { receivedAt, timeZone: 'America/New_York' }), rfc3164],
];

// Frames for the decode rows: every message as UTF-8, plus every 20th RFC 3164 one re-encoded as latin1
// (invalid UTF-8 when it has non-ASCII characters), all in one buffer like a worker task.
const frameTexts = [...rfc5424, ...rfc3164];
const chunks: Buffer[] = frameTexts.map((m) => Buffer.from(m, 'utf8'));
for (let i = 0; i < rfc3164.length; i += 20) chunks.push(Buffer.from(`${rfc3164[i] ?? ''} Gr\u00fc\u00dfe`, 'latin1'));
const frames = Buffer.concat(chunks);
const frameEnds: number[] = [];
{
  let at = 0;
  for (const c of chunks) frameEnds.push((at += c.length));
}
const nonAscii = chunks.filter((c) => c.some((b) => b >= 0x80)).length;
const invalidFrames = chunks.filter((c) => !isUtf8(c)).length;

type Decode = (bytes: Buffer, start: number, end: number) => unknown;

/** JS alternative: scan for a byte >= 0x80, validate only then. */
function decodeScanFirst(bytes: Buffer, start: number, end: number): { text: string; invalid: boolean } {
  let i = start;
  while (i < end && (bytes[i] ?? 0) < 0x80) i++;
  const text = bytes.toString('utf8', start, end);
  return { text, invalid: i < end && !isUtf8(bytes.subarray(start, end)) };
}

const decoders: [string, Decode][] = [
  ["Buffer#toString('utf8') (worker today, no check)", (b, s, e) => b.toString('utf8', s, e)],
  ['asimd decodeFrame', (b, s, e) => decodeFrame(b, s, e)],
  ['JS scan >= 0x80, then isUtf8', decodeScanFirst],
];

/** Decodes every frame repeatedly for at least `ms`; returns frames per second. */
function runDecode(decode: Decode, ms: number): number {
  let count = 0;
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(ms) * 1_000_000n;
  let now = start;
  while (now < deadline) {
    let s = 0;
    for (let i = 0; i < frameEnds.length; i++) {
      const e = frameEnds[i] ?? s;
      if (decode(frames, s, e) !== undefined) sink++;
      s = e;
    }
    count += frameEnds.length;
    now = process.hrtime.bigint();
  }
  return count / (Number(now - start) / 1e9);
}

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
for (const [name, setName, parse, messages] of extra) {
  run(parse, messages, WARMUP_MS);
  const results: number[] = [];
  for (let r = 0; r < RUNS; r++) results.push(run(parse, messages, RUN_MS));
  console.log(`| ${name} | ${setName} | ${fmt(median(results))} | ${fmt(Math.min(...results))} | ${fmt(Math.max(...results))} |`);
}

console.log(`\ndecode: ${chunks.length} frames, ${frames.length} bytes, ${nonAscii} with bytes >= 0x80, ${invalidFrames} invalid UTF-8\n`);
console.log('| decoder | frames/s (median) | min | max |');
console.log('|---|---:|---:|---:|');
for (const [name, decode] of decoders) {
  runDecode(decode, WARMUP_MS);
  const results: number[] = [];
  for (let r = 0; r < RUNS; r++) results.push(runDecode(decode, RUN_MS));
  console.log(`| ${name} | ${fmt(median(results))} | ${fmt(Math.min(...results))} | ${fmt(Math.max(...results))} |`);
}
if (sink === 42) console.log('');


function avgLen(list: string[]): number {
  return Math.round(list.reduce((a, s) => a + s.length, 0) / Math.max(1, list.length));
}
