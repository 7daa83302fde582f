import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import t from 'tap';
import { buildConfig } from '../../src/config/load.ts';
import { emulatorConfig, startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { Metrics } from '../../src/metrics/index.ts';
import { DeadLetterStore } from '../../src/pipeline/dead-letter.ts';
import { Delivery } from '../../src/pipeline/delivery.ts';
import { AzureLogsIngestionSink } from '../../src/sinks/azure-logs-ingestion/index.ts';
import type { Batch } from '../../src/sinks/types.ts';

/*
 * The Logs Ingestion sink and its retry policy against the emulator, over real
 * HTTPS with a real token endpoint: every answer the service can give.
 */

const DCR_A = 'dcr-0000000000000000000000000000000a';
const DCR_B = 'dcr-0000000000000000000000000000000b';
const silent = pino({ level: 'silent' });
const fast = { baseDelayMs: 10, maxDelayMs: 200, maxDataAgeMs: 60_000 };

interface Rig {
  emulator: RunningEmulator;
  sink: AzureLogsIngestionSink;
  delivery: Delivery;
  metrics: Metrics;
  deadLetterDir: string;
  send(rows: Array<Record<string, unknown>>): Promise<void>;
  metric(name: string, labels?: Record<string, string>): Promise<number>;
  close(): Promise<void>;
}

function row(n: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    TimeGenerated: now,
    EventTime: now,
    Computer: 'host',
    HostName: 'host',
    HostIP: '127.0.0.1',
    Facility: 'auth',
    SeverityLevel: 'info',
    ProcessName: 'sshd',
    ProcessID: 42,
    SyslogMessage: `message ${n}`,
    SourceSystem: 'Linux',
    ...extra,
  };
}

function jsonBatch(stream: string, rows: Array<Record<string, unknown>>): Batch {
  let body = '[';
  const ends: number[] = [];
  rows.forEach((r, i) => {
    body += JSON.stringify(r) + (i === rows.length - 1 ? ']' : ',');
    ends.push(Buffer.byteLength(body));
  });
  return { stream, body: Buffer.from(body), rows: rows.length, framing: 'json-array', ends: Uint32Array.from(ends), createdAt: Date.now() };
}

async function rig(
  emulatorOverrides: Record<string, unknown> = {},
  sinkOverrides: Record<string, unknown> = {},
  existing?: RunningEmulator,
): Promise<Rig> {
  const dir = mkdtempSync(join(tmpdir(), 'asimd-azure-'));
  const emulator =
    existing ??
    (await startEmulator(
      emulatorConfig({
        port: 0,
        dataDirectory: join(dir, 'emulator'),
        dcrs: [{ immutableId: DCR_A }, { immutableId: DCR_B }],
        ...emulatorOverrides,
      }),
      { logger: silent, baseDirectory: new URL('../../', import.meta.url).pathname },
    ));
  const config = buildConfig({
    sink: {
      type: 'azure-logs-ingestion',
      azure: {
        targets: [{ endpoint: emulator.url, dcrImmutableId: DCR_A }],
        auth: { type: 'client-secret', tenantId: 'tenant-1', clientId: 'asimd-test', clientSecret: 'secret', authorityHost: emulator.url },
        configErrorRetryDelayMs: 1000,
        ...sinkOverrides,
      },
    },
  });
  const metrics = new Metrics();
  const sink = new AzureLogsIngestionSink(config.sink.azure, config.streams, metrics, silent, { caPem: emulator.certificatePem });
  await sink.start();
  const deadLetterDir = join(dir, 'deadletter');
  const deadLetter = new DeadLetterStore(deadLetterDir);
  const delivery = new Delivery(sink, metrics, silent, deadLetter, () => {}, fast);
  return {
    emulator,
    sink,
    delivery,
    metrics,
    deadLetterDir,
    async send(rows) {
      delivery.enqueue(jsonBatch('Custom-Syslog', rows));
      await delivery.idle();
    },
    async metric(name, labels = {}) {
      const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
      return (metric?.values ?? [])
        .filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l))
        .reduce((sum, v) => sum + v.value, 0);
    },
    async close() {
      delivery.stop();
      await sink.close();
      await deadLetter.close();
      if (!existing) await emulator.close();
    },
  };
}

void t.test('a batch lands as rows; the startup probe posts [] first', async (t) => {
  const r = await rig();
  t.teardown(() => r.close());
  t.ok(r.sink.ready(), 'ready after the probe');
  await r.send([row(1), row(2), row(3)]);
  t.same(r.emulator.rows('Custom-Syslog').map((x) => x['SyslogMessage']), ['message 1', 'message 2', 'message 3']);
  const posts = r.emulator.requests().filter((q) => q.method === 'POST' && q.path.includes('/streams/'));
  t.ok(posts.length >= 2, 'probe and batch');
  const batchRequest = posts.at(-1);
  t.equal(batchRequest?.headers['content-encoding'], 'gzip', 'gzip on the wire');
  t.match(String(batchRequest?.headers['authorization']), /^Bearer \S+/);
  const streams = Object.keys(buildConfig({}, {}).streams).length;
  t.equal(await r.metric('asimd_sink_requests_total', { status: '204' }), streams + 1, 'a probe per stream, then the batch');
  t.ok((await r.metric('asimd_sink_request_bytes_total', { encoding: 'gzip' })) < (await r.metric('asimd_sink_request_bytes_total', { encoding: 'raw' })), 'gzip bytes are fewer than raw');
});

void t.test('a token that expires mid-stream is refreshed ahead of time, never on a 401', async (t) => {
  const r = await rig({ tokenLifetimeSeconds: 2 });
  t.teardown(() => r.close());
  await r.send([row(1)]);
  await sleep(2500);
  await r.send([row(2)]);
  t.equal(r.emulator.rows('Custom-Syslog').length, 2);
  t.ok((await r.metric('asimd_token_refreshes_total', { outcome: 'ok' })) >= 2, 'refreshed in the background');
  t.equal(await r.metric('asimd_sink_requests_total', { status: '401' }), 0, 'no request carried an expired token');
});

void t.test('401: the token is refreshed once and the batch resent', async (t) => {
  const r = await rig();
  t.teardown(() => r.close());
  r.emulator.injectFault({ action: 'status', status: 401, count: 1 });
  await r.send([row(1)]);
  t.equal(r.emulator.rows('Custom-Syslog').length, 1, 'delivered');
  t.equal(await r.metric('asimd_sink_requests_total', { status: '401' }), 1);
  t.equal(await r.metric('asimd_sink_retries_total', { reason: 'unauthorized' }), 1);
});

void t.test('413: the batch is split and both halves land', async (t) => {
  const r = await rig();
  t.teardown(() => r.close());
  r.emulator.injectFault({ action: 'status', status: 413, count: 1 });
  await r.send([row(1), row(2), row(3), row(4)]);
  t.equal(r.emulator.rows('Custom-Syslog').length, 4);
  t.equal(await r.metric('asimd_sink_splits_total', { reason: 'status_413' }), 1);
});

void t.test('400: the bad row is isolated and dead-lettered with the error; the rest land', async (t) => {
  const r = await rig();
  t.teardown(() => r.close());
  const rows = [row(1), row(2), row(3, { NotAColumn: 'x' }), row(4), row(5)];
  await r.send(rows);
  t.same(
    r.emulator.rows('Custom-Syslog').map((x) => x['SyslogMessage']).sort(),
    ['message 1', 'message 2', 'message 4', 'message 5'],
    'the good rows of the batch land',
  );
  const deadFile = join(r.deadLetterDir, 'Custom-Syslog.ndjson');
  t.ok(existsSync(deadFile), 'dead-letter file written');
  const dead = readFileSync(deadFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  t.equal(dead.length, 1);
  t.match(dead[0], { reason: 'status_400', error: /NotAColumn/, row: { SyslogMessage: 'message 3', NotAColumn: 'x' } });
  t.equal(await r.metric('asimd_rows_dead_lettered_total', { reason: 'status_400' }), 1);
});

void t.test('a 429 storm: Retry-After is honoured and nothing is lost', async (t) => {
  const r = await rig();
  t.teardown(() => r.close());
  r.emulator.injectFault({ action: 'status', status: 429, retryAfterSeconds: 1, count: 3 });
  await r.send([row(1), row(2)]);
  t.equal(r.emulator.rows('Custom-Syslog').length, 2);
  t.equal(await r.metric('asimd_sink_requests_total', { status: '429' }), 3);
  const times = r.emulator
    .requests()
    .filter((q) => q.path.includes('/streams/') && q.method === 'POST')
    .slice(-4)
    .map((q) => Date.parse(q.time));
  const gaps = times.slice(1).map((time, i) => time - (times[i] ?? 0));
  t.ok(gaps.every((gap) => gap >= 950), `each retry waited for Retry-After (gaps ${gaps.join(', ')} ms)`);
});

void t.test('429 without Retry-After and 5xx are retried with backoff', async (t) => {
  const r = await rig();
  t.teardown(() => r.close());
  r.emulator.injectFault({ action: 'status', status: 429, count: 1 });
  r.emulator.injectFault({ action: 'status', status: 500, count: 2 });
  r.emulator.injectFault({ action: 'status', status: 503, retryAfterSeconds: 0, count: 1 });
  r.emulator.injectFault({ action: 'reset', count: 1 });
  await r.send([row(1)]);
  t.equal(r.emulator.rows('Custom-Syslog').length, 1);
  t.equal(await r.metric('asimd_sink_retries_total', { reason: 'status_429' }), 1);
  t.equal(await r.metric('asimd_sink_retries_total', { reason: 'status_500' }), 2);
  t.equal(await r.metric('asimd_sink_retries_total', { reason: 'status_503' }), 1);
  t.ok((await r.metric('asimd_sink_requests_total', { status: 'network' })) >= 1, 'a reset connection is a network retry');
});

void t.test('403 and 404 are configuration errors: /readyz says what to fix, the data is kept', async (t) => {
  const r403 = await rig({ clients: [{ clientId: 'asimd-test', dcrs: [DCR_B] }] });
  t.teardown(() => r403.close());
  t.notOk(r403.sink.ready(), 'not ready after the probe');
  t.match(r403.sink.notReadyReason(), /Monitoring Metrics Publisher/);
  r403.delivery.enqueue(jsonBatch('Custom-Syslog', [row(1)]));
  await sleep(300);
  t.equal(r403.delivery.bytes > 0, true, 'the batch is still held, not dropped');
  t.equal(await r403.metric('asimd_messages_dropped_total'), 0);

  const r404 = await rig({}, { targets: [{ dcrImmutableId: 'dcr-99999999999999999999999999999999', endpoint: r403.emulator.url }] }, r403.emulator);
  t.teardown(() => r404.close());
  t.match(r404.sink.notReadyReason(), /dcr-99999999999999999999999999999999/);
});

void t.test('two DCRs sharing a stream both get batches', async (t) => {
  const shared = await rig();
  t.teardown(() => shared.close());
  const r2 = await rig({}, { targets: [{ dcrImmutableId: DCR_A, endpoint: shared.emulator.url }, { dcrImmutableId: DCR_B, endpoint: shared.emulator.url }] }, shared.emulator);
  t.teardown(() => r2.close());
  for (let i = 0; i < 6; i++) r2.delivery.enqueue(jsonBatch('Custom-Syslog', [row(i)]));
  await r2.delivery.idle();
  const posts = r2.emulator.requests().filter((q) => q.method === 'POST' && q.status === 204 && q.path.includes('/streams/'));
  t.ok(posts.some((q) => q.path.includes(DCR_A)) && posts.some((q) => q.path.includes(DCR_B)), 'both DCRs took batches');
  t.equal(r2.emulator.rows('Custom-Syslog').length, 6, 'all rows landed');
});
