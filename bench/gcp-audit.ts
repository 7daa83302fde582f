// GCP Cloud Audit Logs throughput, one core, over the LogEntries of ../shared/corpus/gcp-audit (nothing copied).
// Run: node --import ./scripts/ts-loader.mjs bench/gcp-audit.ts
// A script, not a test: median of 5 runs of >= 1 s each, after a 1 s warm-up. Each input is one LogEntry as a JSON
// line (pretty-printed corpus files are re-serialised to one line). Cases:
//   audit entries: parse + normalize + stringify both rows   the real per-record path, on entries that make rows
//   Pub/Sub push bodies: the same, plus gcpLogEntriesOf       base64 decode + JSON.parse of the decoded LogEntry
//   all corpus entries (most Panther records are rejected)    the cost of skips and invalid entries mixed in
//   baseline: JSON.parse + JSON.stringify of the LogEntry     a pass-through's cost, for comparison
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { gcpLogEntriesOf, normalizeGcpAuditEntry } from '../parsers/gcp-audit/index.ts';
import { commit, consumed, fmt, median, rate } from './harness.ts';

const RUNS = 5;
const RUN_MS = 1000;
const WARMUP_MS = 1000;
const CORPUS = fileURLToPath(new URL('../../shared/corpus/gcp-audit/', import.meta.url));





function files(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => (statSync(join(dir, name)).isDirectory() ? files(join(dir, name)) : [join(dir, name)]))
    .filter((p) => !p.endsWith('.md') && !p.endsWith('.meta.jsonl'));
}

if (!existsSync(CORPUS)) {
  console.error(`corpus not found at ${CORPUS}`);
  process.exit(1);
}

// Every LogEntry of the corpus as one JSON line.
const allLines: string[] = [];
for (const path of files(CORPUS)) {
  const text = readFileSync(path, 'utf8');
  let docs: unknown[];
  try {
    docs = [JSON.parse(text) as unknown];
  } catch {
    docs = text.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
  }
  for (const doc of docs) for (const entry of gcpLogEntriesOf(doc).entries) allLines.push(JSON.stringify(entry));
}
const receivedAt = Date.parse('2024-06-15T12:00:00.000Z');
const auditLines = allLines.filter((l) => normalizeGcpAuditEntry(JSON.parse(l), receivedAt).kind === 'rows');
const pushLines = auditLines.map((l) => JSON.stringify({ message: { data: Buffer.from(l).toString('base64'), messageId: '1' }, subscription: 'projects/p/subscriptions/s' }));
const auditBytes = auditLines.reduce((a, l) => a + Buffer.byteLength(l), 0);

function rows(line: string): number {
  const o = normalizeGcpAuditEntry(JSON.parse(line), receivedAt);
  return o.kind === 'rows' ? JSON.stringify(o.gcpAuditLogs).length + JSON.stringify(o.auditEvent).length : o.reason.length;
}

function pushed(line: string): number {
  const { entries, subscription } = gcpLogEntriesOf(JSON.parse(line));
  let n = 0;
  for (const e of entries) {
    const o = normalizeGcpAuditEntry(e, receivedAt, subscription);
    n += o.kind === 'rows' ? JSON.stringify(o.gcpAuditLogs).length + JSON.stringify(o.auditEvent).length : 0;
  }
  return n;
}

const cases: [string, string[], (line: string) => number][] = [
  ['audit entries: JSON.parse + normalizeGcpAuditEntry + JSON.stringify(both rows)', auditLines, rows],
  ['Pub/Sub push bodies: JSON.parse + gcpLogEntriesOf (base64, JSON.parse) + normalize + stringify', pushLines, pushed],
  ['all corpus entries (skips and invalid included)', allLines, rows],
  ['baseline: JSON.parse + JSON.stringify of the LogEntry', auditLines, (l) => JSON.stringify(JSON.parse(l)).length],
];

const cpus = os.cpus();
console.log(`node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} cores), ${os.platform()} ${os.arch()}, commit ${commit()}`);
console.log(`input: ${allLines.length} corpus LogEntries, ${auditLines.length} make rows (mean ${fmt(auditBytes / auditLines.length)} B of JSON each)`);
console.log(`single thread, median of ${RUNS} runs of >= ${RUN_MS} ms after ${WARMUP_MS} ms warm-up\n`);
console.log('| case | records/s (median) | min | max | MB/s of LogEntry JSON |');
console.log('|---|---:|---:|---:|---:|');
for (const [name, lines, step] of cases) {
  const bytes = lines.reduce((a, l) => a + Buffer.byteLength(l), 0) / lines.length;
  const at = (i: number): number => step(lines[i] ?? '');
  rate(lines.length, at, WARMUP_MS);
  const results: number[] = [];
  for (let r = 0; r < RUNS; r++) results.push(rate(lines.length, at, RUN_MS));
  const m = median(results);
  console.log(`| ${name} | ${fmt(m)} | ${fmt(Math.min(...results))} | ${fmt(Math.max(...results))} | ${((m * bytes) / 1e6).toFixed(1)} |`);
}
if (consumed() === 42) console.log('');
