/**
 * Upload path: @azure/monitor-ingestion's upload() against asimd's own sink
 * (undici + zlib's async gzip), both through the emulator over HTTPS. Prints
 * rows/s and client CPU-ms per MB of row JSON. A script, not a test.
 *
 *   npm run build && node --import ./scripts/ts-loader.mjs bench/upload.ts [rows] [runs]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClientSecretCredential } from '@azure/identity';
import { LogsIngestionClient } from '@azure/monitor-ingestion';
import { pino } from 'pino';
import { buildConfig } from '../src/config/load.ts';
import { Metrics } from '../src/metrics/index.ts';
import { StreamBatcher } from '../src/pipeline/batcher.ts';
import { DeadLetterStore } from '../src/pipeline/dead-letter.ts';
import { Delivery } from '../src/pipeline/delivery.ts';
import { AzureLogsIngestionSink } from '../src/sinks/azure-logs-ingestion/index.ts';
import { environment, median } from './harness.ts';
import { startEmulatorProcess } from './processes.ts';

const ROWS = Number(process.argv[2] ?? 200_000);
const RUNS = Number(process.argv[3] ?? 3);
const DCR = 'dcr-00000000000000000000000000000000';
const STREAM = 'Custom-Syslog';
const AUTH = { tenantId: 'bench', clientId: 'bench', clientSecret: 'bench' };
const silent = pino({ level: 'silent' });

function rows(count: number): Array<Record<string, unknown>> {
  const now = new Date().toISOString();
  return Array.from({ length: count }, (_, i) => ({
    TimeGenerated: now,
    EventTime: now,
    Computer: `fw-${i % 16}.example.net`,
    HostName: `fw-${i % 16}.example.net`,
    HostIP: `10.0.${i % 256}.${(i >> 8) % 256}`,
    Facility: 'local4',
    SeverityLevel: 'info',
    ProcessName: 'firewall',
    ProcessID: 1000 + (i % 50),
    SyslogMessage: `src=10.0.${i % 256}.${(i >> 8) % 256} dst=192.168.1.${i % 200} action=allow user=user${i % 1000} seq=${i} ${'x'.repeat(120)}`,
    SourceSystem: 'Linux',
  }));
}

interface Result {
  rowsPerSecond: number;
  cpuMsPerMB: number;
}

async function measure(body: () => Promise<void>, megabytes: number): Promise<Result> {
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  await body();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  return { rowsPerSecond: ROWS / seconds, cpuMsPerMB: (used.user + used.system) / 1000 / megabytes };
}

async function sdkPath(url: string, ca: string, data: Array<Record<string, unknown>>, megabytes: number): Promise<Result> {
  const credential = new ClientSecretCredential(AUTH.tenantId, AUTH.clientId, AUTH.clientSecret, {
    authorityHost: url,
    disableInstanceDiscovery: true,
    tlsOptions: { ca },
  });
  const client = new LogsIngestionClient(url, credential, { tlsOptions: { ca } });
  await client.upload(DCR, STREAM, data.slice(0, 10)); // token and connection, outside the measurement
  return measure(() => client.upload(DCR, STREAM, data, { maxConcurrency: 4 }), megabytes);
}

async function asimdPath(url: string, ca: string, data: Array<Record<string, unknown>>, megabytes: number): Promise<Result> {
  const config = buildConfig({
    sink: { type: 'azure-logs-ingestion', azure: { targets: [{ endpoint: url, dcrImmutableId: DCR }], auth: { type: 'client-secret', ...AUTH, authorityHost: url } } },
  });
  const metrics = new Metrics();
  const sink = new AzureLogsIngestionSink(config.sink.azure, config.streams, metrics, silent, { caPem: ca });
  await sink.start();
  const dir = mkdtempSync(join(tmpdir(), 'asimd-bench-dlq-'));
  const delivery = new Delivery(sink, metrics, silent, new DeadLetterStore(dir), () => {});
  const batcher = new StreamBatcher(STREAM, 'json-array', config.batch, (batch) => delivery.enqueue(batch));
  // What workers hand back: serialized rows with their offsets (serialized here, outside the measurement).
  const encoded = data.map((row) => JSON.stringify(row) + ',');
  const chunks: Array<{ data: Buffer; ends: Uint32Array; times: Float64Array; rows: number; stream: string }> = [];
  for (let start = 0; start < encoded.length; start += 4096) {
    const slice = encoded.slice(start, start + 4096);
    const ends = new Uint32Array(slice.length);
    let offset = 0;
    slice.forEach((text, i) => {
      offset += Buffer.byteLength(text);
      ends[i] = offset;
    });
    chunks.push({ stream: STREAM, data: Buffer.from(slice.join('')), ends, times: new Float64Array(slice.length).fill(Date.now()), rows: slice.length });
  }
  const result = await measure(async () => {
    for (const chunk of chunks) batcher.append(chunk);
    batcher.flush();
    await delivery.idle();
  }, megabytes);
  await sink.close();
  rmSync(dir, { recursive: true, force: true });
  return result;
}

const data = rows(ROWS);
const megabytes = data.reduce((sum, row) => sum + Buffer.byteLength(JSON.stringify(row)), 0) / 1e6;
console.log(environment());
console.log(`${ROWS.toLocaleString('en')} Syslog rows (${megabytes.toFixed(1)} MB of JSON) through the emulator (separate process, HTTPS), concurrency 4`);
const dir = mkdtempSync(join(tmpdir(), 'asimd-bench-upload-'));
const emulator = await startEmulatorProcess(dir, DCR);
try {
  const results: Record<string, Result[]> = { 'asimd sink (undici + async zlib)': [], '@azure/monitor-ingestion upload()': [] };
  for (let run = 0; run < RUNS; run++) {
    results['asimd sink (undici + async zlib)']?.push(await asimdPath(emulator.url, emulator.ca, data, megabytes));
    results['@azure/monitor-ingestion upload()']?.push(await sdkPath(emulator.url, emulator.ca, data, megabytes));
  }
  for (const [name, list] of Object.entries(results)) {
    console.log(
      `${name}: ${Math.round(median(list.map((r) => r.rowsPerSecond))).toLocaleString('en')} rows/s, ${median(list.map((r) => r.cpuMsPerMB)).toFixed(1)} client CPU-ms per MB (median of ${list.length}; runs: ${list.map((r) => Math.round(r.rowsPerSecond).toLocaleString('en')).join(', ')} rows/s)`,
    );
  }
} finally {
  emulator.stop();
  rmSync(dir, { recursive: true, force: true });
}
