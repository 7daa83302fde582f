import { pino } from 'pino';
import t from 'tap';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeadLetterStore } from '../../src/pipeline/dead-letter.ts';
import { Delivery } from '../../src/pipeline/delivery.ts';
import { Metrics } from '../../src/metrics/index.ts';
import type { Batch, Sink, SinkVerdict } from '../../src/sinks/types.ts';

/** A sink that answers from a script of verdicts, then ok. */
class ScriptedSink implements Sink {
  readonly name = 'scripted';
  readonly framing = 'ndjson' as const;
  readonly attempts: string[] = [];
  constructor(private readonly script: SinkVerdict[]) {}
  start(): Promise<void> {
    return Promise.resolve();
  }
  ready(): boolean {
    return true;
  }
  send(batch: Batch): Promise<SinkVerdict> {
    this.attempts.push(JSON.parse(batch.body.toString()) as string);
    return Promise.resolve(this.script.shift() ?? { kind: 'ok' });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** A one-row NDJSON batch whose row is the JSON string `text`. */
const batch = (text: string): Batch => ({
  stream: 'Custom-Syslog',
  body: Buffer.from(`${JSON.stringify(text)}\n`),
  rows: 1,
  framing: 'ndjson',
  ends: Uint32Array.of(JSON.stringify(text).length + 1),
  createdAt: Date.now(),
});
const silent = pino({ level: 'silent' });
const fast = { baseDelayMs: 1, maxDelayMs: 5, maxDataAgeMs: 60_000 };
const deadLetterDir = mkdtempSync(join(tmpdir(), 'asimd-dlq-'));
const deadLetter = new DeadLetterStore(deadLetterDir);

async function value(metrics: Metrics, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  return (metric?.values ?? [])
    .filter((v) => Object.entries(labels).every(([k, l]) => (v.labels as Record<string, unknown>)[k] === l))
    .reduce((sum, v) => sum + v.value, 0);
}

void t.test('retry verdicts are retried until ok; order is kept and bytes settle', async (t) => {
  const sink = new ScriptedSink([
    { kind: 'retry', reason: 'disk_full' },
    { kind: 'retry', reason: 'disk_full', afterMs: 2 },
  ]);
  const metrics = new Metrics();
  const settled: number[] = [];
  const delivery = new Delivery(sink, metrics, silent, deadLetter, (bytes) => settled.push(bytes), fast);
  delivery.enqueue(batch('first'));
  delivery.enqueue(batch('second'));
  t.equal(delivery.bytes, 17, 'queued bytes are counted');
  await delivery.idle();
  t.same(sink.attempts, ['first', 'first', 'first', 'second'], 'the first batch is retried before the second goes');
  t.same(settled, [8, 9], 'each batch\'s bytes settle once');
  t.equal(delivery.bytes, 0);
  t.equal(delivery.rowsDelivered, 2);
  t.equal(await value(metrics, 'asimd_sink_retries_total', { reason: 'disk_full' }), 2);
  t.equal(await value(metrics, 'asimd_rows_written_total', { stream: 'Custom-Syslog' }), 2);
});

void t.test('a rejected batch goes to the dead-letter store with its error, and the next goes on', async (t) => {
  const sink = new ScriptedSink([{ kind: 'reject', reason: 'status_400', error: '400 InvalidPayload: column X' }]);
  const metrics = new Metrics();
  const delivery = new Delivery(sink, metrics, silent, deadLetter, () => {}, fast);
  delivery.enqueue(batch('bad'));
  delivery.enqueue(batch('good'));
  await delivery.idle();
  t.equal(await value(metrics, 'asimd_rows_dead_lettered_total', { reason: 'status_400' }), 1);
  t.equal(delivery.rowsDelivered, 1);
  const lines = readFileSync(join(deadLetterDir, 'Custom-Syslog.ndjson'), 'utf8').trim().split('\n');
  t.match(JSON.parse(lines.at(-1) ?? '{}'), { stream: 'Custom-Syslog', reason: 'status_400', error: '400 InvalidPayload: column X', row: 'bad' }, 'the row is kept with the error');

});

void t.test('stop() ends retrying at the shutdown deadline, counting what is given up', async (t) => {
  const sink = new ScriptedSink(Array.from({ length: 1000 }, () => ({ kind: 'retry', reason: 'down', afterMs: 60_000 })));
  const metrics = new Metrics();
  const delivery = new Delivery(sink, metrics, silent, deadLetter, () => {}, fast);
  delivery.enqueue(batch('stuck'));
  setTimeout(() => delivery.stop(), 20);
  await delivery.idle();
  t.equal(await value(metrics, 'asimd_messages_dropped_total', { reason: 'shutdown' }), 1);
});

void t.test('split verdicts bisect down to the bad row; the others are delivered', async (t) => {
  const rows = ['{"n":0}', '{"n":1}', '{"n":2}', '{"n":3}', '{"n":4}'];
  let body = '[';
  const ends: number[] = [];
  rows.forEach((row, i) => {
    body += row + (i === rows.length - 1 ? ']' : ',');
    ends.push(body.length);
  });
  const big: Batch = { stream: 'Custom-Split', body: Buffer.from(body), rows: 5, framing: 'json-array', ends: Uint32Array.from(ends), createdAt: Date.now() };
  const sent: string[] = [];
  const sink: Sink = {
    name: 'bisect',
    framing: 'json-array',
    start: () => Promise.resolve(),
    ready: () => true,
    close: () => Promise.resolve(),
    send: (batch) => {
      const text = batch.body.toString();
      sent.push(text);
      // The service refuses any call that contains row 3.
      return Promise.resolve(text.includes('"n":3') ? { kind: 'split', reason: 'status_400' } : { kind: 'ok' });
    },
  };
  const metrics = new Metrics();
  const delivery = new Delivery(sink, metrics, silent, deadLetter, () => {}, fast);
  delivery.enqueue(big);
  await delivery.idle();
  t.equal(delivery.rowsDelivered, 4, 'four good rows delivered');
  t.equal(await value(metrics, 'asimd_rows_dead_lettered_total', { stream: 'Custom-Split' }), 1, 'one row dead-lettered');
  const dead = readFileSync(join(deadLetterDir, 'Custom-Split.ndjson'), 'utf8').trim().split('\n');
  t.same(dead.map((line) => (JSON.parse(line) as { row: unknown }).row), [{ n: 3 }]);
  t.ok(sent.every((text) => JSON.parse(text) !== undefined), 'every attempt was a valid JSON array');
});

void t.test('a batch older than maxDataAgeMs is given up and counted as max_age', async (t) => {
  const sink = new ScriptedSink(Array.from({ length: 5 }, () => ({ kind: 'retry', reason: 'status_503' })));
  const metrics = new Metrics();
  const delivery = new Delivery(sink, metrics, silent, deadLetter, () => {}, { ...fast, maxDataAgeMs: 0 });
  delivery.enqueue({ ...batch('old'), createdAt: Date.now() - 10 });
  await delivery.idle();
  t.equal(await value(metrics, 'asimd_messages_dropped_total', { reason: 'max_age' }), 1);
});
