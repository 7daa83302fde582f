/**
 * The counting sink's process (see bench/sink.ts): `node --import ./scripts/ts-loader.mjs bench/sink-process.ts <dir>`,
 * forked with an IPC channel.
 */
import { createServer } from 'node:https';
import { performance } from 'node:perf_hooks';
import { gunzipSync } from 'node:zlib';
import { loadCertificate } from '../src/emulator/certificate.ts';
import type { SinkCommand, SinkEvent, SinkSnapshot } from './sink.ts';
import { STAMP_DIGITS, STAMP_KEY } from './workload.ts';

const dir = process.argv[2] ?? '.';
/** Each row has exactly one TimeGenerated key; inside a JSON string its quotes would be escaped. */
const ROW_KEY = Buffer.from('"TimeGenerated":');
const STAMP = Buffer.from(STAMP_KEY);
const HISTOGRAM_MS = 120_000;

const now = (): number => performance.timeOrigin + performance.now();

let rows: Record<string, number> = {};
let checkedStreams = new Set<string>();
let snapshot: Omit<SinkSnapshot, 'rows' | 'latency' | 'checked'> = { requests: 0, bytesIn: 0, bytesDecoded: 0, malformed: [], firstRowAt: 0, lastRowAt: 0 };
let latency: Uint32Array | undefined;
let expectations: Array<{ id: number; streams: string[]; rows: number; at10?: number; at90?: number }> = [];

function send(event: SinkEvent): void {
  process.send?.(event);
}

function countRows(body: Buffer): number {
  let count = 0;
  for (let at = body.indexOf(ROW_KEY); at !== -1; at = body.indexOf(ROW_KEY, at + ROW_KEY.length)) count++;
  return count;
}

function recordLatency(body: Buffer, arrival: number, histogram: Uint32Array): void {
  for (let at = body.indexOf(STAMP); at !== -1; at = body.indexOf(STAMP, at + STAMP.length)) {
    let stamp = 0;
    const start = at + STAMP.length;
    for (let i = start; i < start + STAMP_DIGITS; i++) stamp = stamp * 10 + ((body[i] ?? 48) - 48);
    if (stamp === 0) continue;
    const ms = Math.max(0, Math.min(HISTOGRAM_MS, Math.round(arrival - stamp)));
    histogram[ms] = (histogram[ms] ?? 0) + 1;
  }
}

function percentiles(histogram: Uint32Array): SinkSnapshot['latency'] {
  let samples = 0;
  for (const n of histogram) samples += n;
  if (samples === 0) return undefined;
  const at = (q: number): number => {
    const wanted = Math.ceil(samples * q);
    let seen = 0;
    for (let ms = 0; ms < histogram.length; ms++) {
      seen += histogram[ms] ?? 0;
      if (seen >= wanted) return ms;
    }
    return HISTOGRAM_MS;
  };
  return { samples, p50: at(0.5), p99: at(0.99), max: at(1) };
}

function settle(): void {
  const at = now();
  expectations = expectations.filter((expectation) => {
    const counted = expectation.streams.reduce((sum, stream) => sum + (rows[stream] ?? 0), 0);
    if (expectation.at10 === undefined && counted >= expectation.rows * 0.1) expectation.at10 = at;
    if (expectation.at90 === undefined && counted >= expectation.rows * 0.9) expectation.at90 = at;
    if (counted < expectation.rows) return true;
    send({ type: 'reached', id: expectation.id, at, at10: expectation.at10 ?? at, at90: expectation.at90 ?? at });
    return false;
  });
}

function check(stream: string, body: Buffer, counted: number): void {
  if (checkedStreams.has(stream)) return;
  checkedStreams.add(stream);
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (!Array.isArray(parsed) || parsed.length !== counted) snapshot.malformed.push(`${stream}: not an array of ${counted} rows`);
  } catch (err) {
    snapshot.malformed.push(`${stream}: ${err instanceof Error ? err.message : String(err)}: ${body.subarray(0, 200).toString()}`);
  }
}

const certificate = await loadCertificate({ certFile: undefined, keyFile: undefined, dataDirectory: dir, address: '127.0.0.1' });
const server = createServer({ cert: certificate.cert, key: certificate.key, keepAliveTimeout: 120_000 }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const raw = Buffer.concat(chunks);
    let body: Buffer;
    try {
      body = request.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    } catch {
      snapshot.malformed.push(`bad gzip on ${request.url ?? ''}`);
      response.writeHead(400).end();
      return;
    }
    const stream = /\/streams\/([^/?]+)/.exec(request.url ?? '')?.[1] ?? 'default';
    const counted = countRows(body);
    check(stream, body, counted);
    rows[stream] = (rows[stream] ?? 0) + counted;
    snapshot.requests++;
    snapshot.bytesIn += raw.length;
    snapshot.bytesDecoded += body.length;
    const arrival = now();
    if (counted > 0) {
      if (snapshot.firstRowAt === 0) snapshot.firstRowAt = arrival;
      snapshot.lastRowAt = arrival;
    }
    if (latency !== undefined) recordLatency(body, arrival, latency);
    response.writeHead(204).end();
    if (expectations.length > 0) settle();
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  send({ type: 'listening', port: typeof address === 'object' && address !== null ? address.port : 0, caFile: certificate.certificateFile });
});

process.on('message', (command: SinkCommand) => {
  switch (command.type) {
    case 'reset':
      rows = {};
      checkedStreams = new Set();
      snapshot = { requests: 0, bytesIn: 0, bytesDecoded: 0, malformed: [], firstRowAt: 0, lastRowAt: 0 };
      latency = command.latency ? new Uint32Array(HISTOGRAM_MS + 1) : undefined;
      expectations = [];
      break;
    case 'expect':
      expectations.push(command);
      settle();
      break;
    case 'snapshot':
      send({
        type: 'snapshot',
        id: command.id,
        snapshot: { ...snapshot, rows, checked: checkedStreams.size, latency: latency ? percentiles(latency) : undefined },
      });
      break;
  }
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
process.on('disconnect', () => process.exit(0));
