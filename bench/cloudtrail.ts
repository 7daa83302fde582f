// CloudTrail throughput, one core, over every record of the CloudTrail corpus (../shared/corpus/cloudtrail).
// Run: node --import ./scripts/ts-loader.mjs bench/cloudtrail.ts
// A script, not a test: median of 5 runs of >= 1 s each, after a 1 s warm-up. Input: each corpus record
// re-serialized as its own JSON text (what an S3 log file holds per record, or an EventBridge/SQS message). Cases:
//   full path              parseJsonSafely + cloudTrailRecordsOf + normalizeCloudTrail + JSON.stringify of every row made
//   map + stringify        normalizeCloudTrail + JSON.stringify, records already parsed
//   baseline               JSON.parse + JSON.stringify(record): shipping the raw record, no mapping
//   parseJsonSafely        vs JSON.parse alone: the cost of the pollution guard
// Records/s counts every input record (invalid and skipped ones too). Target context: >= 50,000 records/s into raw +
// ASIM rows on a 2-core machine end to end.
import os from 'node:os';
import { cloudTrailRecordsOf, normalizeCloudTrail, parseJsonSafely } from '../parsers/aws-cloudtrail/index.ts';
import { cloudTrailCorpusAvailable, CLOUDTRAIL_CORPUS_URL, loadCloudTrailCorpus } from '../test/fixtures/aws-cloudtrail/corpus.ts';
import { commit, consumed, fmt, median, rate } from './harness.ts';

const RUNS = 5;
const RUN_MS = 1000;
const WARMUP_MS = 1000;





if (!cloudTrailCorpusAvailable()) {
  console.error(`corpus not found at ${CLOUDTRAIL_CORPUS_URL.pathname}`);
  process.exit(1);
}

const texts: string[] = [];
for (const file of loadCloudTrailCorpus()) {
  for (const doc of file.documents) {
    const parsed = parseJsonSafely(doc.text);
    if (!parsed.ok) continue;
    for (const record of cloudTrailRecordsOf(parsed.value).records) texts.push(JSON.stringify(record));
  }
}
const records: unknown[] = texts.map((s) => JSON.parse(s) as unknown);
const receivedAt = Date.parse('2025-01-01T00:00:00.000Z');
let rowCount = 0;
let asimCount = 0;
let bytes = 0;
for (const r of records) {
  const o = normalizeCloudTrail(r, receivedAt);
  if (o.kind !== 'rows') continue;
  rowCount++;
  if (o.auditEvent !== undefined) asimCount++;
  if (o.authentication !== undefined) asimCount++;
}
for (const s of texts) bytes += Buffer.byteLength(s);

function emit(record: unknown): number {
  const o = normalizeCloudTrail(record, receivedAt);
  if (o.kind !== 'rows') return 1;
  let n = JSON.stringify(o.awsCloudTrail).length;
  if (o.auditEvent !== undefined) n += JSON.stringify(o.auditEvent).length;
  if (o.authentication !== undefined) n += JSON.stringify(o.authentication).length;
  return n;
}

function full(text: string): number {
  const parsed = parseJsonSafely(text);
  if (!parsed.ok) return 1;
  const split = cloudTrailRecordsOf(parsed.value);
  let n = 0;
  for (const r of split.records) n += emit(r);
  return n;
}

const cases: [string, (i: number) => number][] = [
  ['full path: parseJsonSafely + recordsOf + normalize + stringify rows', (i) => full(texts[i] ?? '')],
  ['map + stringify (records pre-parsed)', (i) => emit(records[i])],
  ['baseline: JSON.parse + JSON.stringify(record)', (i) => JSON.stringify(JSON.parse(texts[i] ?? '') as unknown).length],
  ['parseJsonSafely only', (i) => (parseJsonSafely(texts[i] ?? '').ok ? 1 : 0)],
  ['JSON.parse only', (i) => (JSON.parse(texts[i] ?? '') === null ? 0 : 1)],
];

const cpus = os.cpus();
console.log(`node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores), ${os.platform()} ${os.arch()}, commit ${commit()}`);
console.log(`input: ${texts.length} CloudTrail corpus records (${fmt(bytes / texts.length)} bytes avg), ${rowCount} become AWSCloudTrail rows + ${asimCount} ASIM rows, the rest invalid/skip`);
console.log(`single thread, median of ${RUNS} runs of >= ${RUN_MS} ms after ${WARMUP_MS} ms warm-up; records/s counts every input record\n`);
console.log('| case | records/s (median) | min | max |');
console.log('|---|---:|---:|---:|');
for (const [name, step] of cases) {
  rate(texts.length, step, WARMUP_MS);
  const results: number[] = [];
  for (let r = 0; r < RUNS; r++) results.push(rate(texts.length, step, RUN_MS));
  console.log(`| ${name} | ${fmt(median(results))} | ${fmt(Math.min(...results))} | ${fmt(Math.max(...results))} |`);
}
if (consumed() === 42) console.log('');
