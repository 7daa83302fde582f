import { pino } from 'pino';
import t from 'tap';
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
    this.attempts.push(batch.body.toString());
    return Promise.resolve(this.script.shift() ?? { kind: 'ok' });
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

const batch = (text: string): Batch => ({ stream: 'Custom-Syslog', body: Buffer.from(text), rows: 1 });
const silent = pino({ level: 'silent' });
const fast = { baseDelayMs: 1, maxDelayMs: 5 };

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
  const delivery = new Delivery(sink, metrics, silent, (bytes) => settled.push(bytes), fast);
  delivery.enqueue(batch('first'));
  delivery.enqueue(batch('second'));
  t.equal(delivery.bytes, 11, 'queued bytes are counted');
  await delivery.idle();
  t.same(sink.attempts, ['first', 'first', 'first', 'second'], 'the first batch is retried before the second goes');
  t.same(settled, [5, 6]);
  t.equal(delivery.bytes, 0);
  t.equal(delivery.rowsDelivered, 2);
  t.equal(await value(metrics, 'asimd_sink_errors_total', { reason: 'disk_full' }), 2);
  t.equal(await value(metrics, 'asimd_rows_written_total', { stream: 'Custom-Syslog' }), 2);
});

void t.test('a rejected batch is counted as dropped with a reason, and the next goes on', async (t) => {
  const sink = new ScriptedSink([{ kind: 'reject', reason: 'bad_rows' }]);
  const metrics = new Metrics();
  const delivery = new Delivery(sink, metrics, silent, () => {}, fast);
  delivery.enqueue(batch('bad'));
  delivery.enqueue(batch('good'));
  await delivery.idle();
  t.equal(await value(metrics, 'asimd_messages_dropped_total', { reason: 'sink_rejected' }), 1);
  t.equal(delivery.rowsDelivered, 1);
});

void t.test('stop() ends retrying at the shutdown deadline, counting what is given up', async (t) => {
  const sink = new ScriptedSink(Array.from({ length: 1000 }, () => ({ kind: 'retry', reason: 'down', afterMs: 60_000 })));
  const metrics = new Metrics();
  const delivery = new Delivery(sink, metrics, silent, () => {}, fast);
  delivery.enqueue(batch('stuck'));
  setTimeout(() => delivery.stop(), 20);
  await delivery.idle();
  t.equal(await value(metrics, 'asimd_messages_dropped_total', { reason: 'shutdown' }), 1);
});
