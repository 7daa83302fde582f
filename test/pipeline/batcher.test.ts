import t from 'tap';
import { StreamBatcher, type BatchLimits } from '../../src/pipeline/batcher.ts';
import type { RowFraming, StreamRows } from '../../src/pipeline/task.ts';
import type { Batch } from '../../src/sinks/types.ts';

/** Serialized rows as a worker returns them: each row followed by the separator. */
function rows(texts: string[], separator: string, times: number[] = texts.map(() => 0)): StreamRows {
  const ends: number[] = [];
  let data = '';
  for (const text of texts) {
    data += text + separator;
    ends.push(Buffer.byteLength(data));
  }
  return { stream: 's', data: Buffer.from(data), ends: Uint32Array.from(ends), times: Float64Array.from(times), rows: texts.length };
}

function collect(framing: RowFraming, limits: BatchLimits): { batcher: StreamBatcher; batches: Batch[] } {
  const batches: Batch[] = [];
  return { batcher: new StreamBatcher('s', framing, limits, (batch) => batches.push(batch)), batches };
}

const row = (n: number, size = 20): string => `{"n":${n},"p":"${'x'.repeat(size)}"}`;

void t.test('flushes on bytes without splitting a row', async (t) => {
  const { batcher, batches } = collect('ndjson', { maxBytes: 100, maxRows: 1000, maxAgeMs: 60_000, idleMs: 0, maxSpanMs: 1_800_000 });
  const texts = Array.from({ length: 10 }, (_, n) => row(n));
  batcher.append(rows(texts, '\n'));
  batcher.flush();
  t.ok(batches.every((batch) => batch.body.length <= 100), 'every body ≤ maxBytes');
  const lines = batches.flatMap((batch) => batch.body.toString().split('\n').filter(Boolean));
  t.same(lines, texts, 'all rows, in order, whole');
  t.equal(batches.reduce((sum, batch) => sum + batch.rows, 0), 10);
});

void t.test('flushes on row count', async (t) => {
  const { batcher, batches } = collect('ndjson', { maxBytes: 1 << 20, maxRows: 3, maxAgeMs: 60_000, idleMs: 0, maxSpanMs: 1_800_000 });
  batcher.append(rows(Array.from({ length: 7 }, (_, n) => row(n)), '\n'));
  t.same(batches.map((batch) => batch.rows), [3, 3], 'two full batches flushed at once');
  batcher.flush();
  t.same(batches.map((batch) => batch.rows), [3, 3, 1]);
});

void t.test('flushes once the input goes quiet, before its age', async (t) => {
  const { batcher, batches } = collect('ndjson', { maxBytes: 1 << 20, maxRows: 1000, maxAgeMs: 60_000, idleMs: 30, maxSpanMs: 1_800_000 });
  batcher.append(rows([row(1), row(2)], '\n'));
  t.equal(batches.length, 0, 'not yet');
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.same(batches.map((batch) => batch.rows), [2], 'flushed idleMs after the last rows, not after maxAgeMs');
});

void t.test('rows that keep coming keep the batch open until its age', async (t) => {
  const { batcher, batches } = collect('ndjson', { maxBytes: 1 << 20, maxRows: 1000, maxAgeMs: 60_000, idleMs: 400, maxSpanMs: 1_800_000 });
  for (let i = 0; i < 40; i++) {
    batcher.append(rows([row(i)], '\n'));
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  t.equal(batches.length, 0, '800 ms of rows 20 ms apart: never idle for 400 ms');
  await new Promise((resolve) => setTimeout(resolve, 800));
  t.same(batches.map((batch) => batch.rows), [40], 'then one batch, once they stopped');
});

void t.test('idleMs 0 leaves only the age limit', async (t) => {
  const { batcher, batches } = collect('ndjson', { maxBytes: 1 << 20, maxRows: 1000, maxAgeMs: 300, idleMs: 0, maxSpanMs: 1_800_000 });
  batcher.append(rows([row(1)], '\n'));
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.equal(batches.length, 0, 'quiet for 100 ms, still open');
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.equal(batches.length, 1, 'flushed by age');
});

void t.test('flushes on age', async (t) => {
  const { batcher, batches } = collect('ndjson', { maxBytes: 1 << 20, maxRows: 1000, maxAgeMs: 30, idleMs: 0, maxSpanMs: 1_800_000 });
  batcher.append(rows([row(1)], '\n'));
  t.equal(batches.length, 0, 'not yet');
  await new Promise((resolve) => setTimeout(resolve, 80));
  t.equal(batches.length, 1, 'flushed by age');
  t.equal(batcher.bytes, 0, 'nothing held');
});

void t.test('json-array framing makes valid JSON bodies within maxBytes', async (t) => {
  const { batcher, batches } = collect('json-array', { maxBytes: 120, maxRows: 1000, maxAgeMs: 60_000, idleMs: 0, maxSpanMs: 1_800_000 });
  const texts = Array.from({ length: 9 }, (_, n) => row(n));
  batcher.append(rows(texts, ','));
  batcher.flush();
  t.ok(batches.length > 1);
  const parsed = batches.flatMap((batch) => {
    t.ok(batch.body.length <= 120, 'body ≤ maxBytes');
    return JSON.parse(batch.body.toString()) as unknown[];
  });
  t.same(parsed, texts.map((text) => JSON.parse(text) as unknown));
});

void t.test('a single row larger than maxBytes goes out alone, not dropped', async (t) => {
  for (const [framing, separator] of [['ndjson', '\n'], ['json-array', ',']] as const) {
    const { batcher, batches } = collect(framing, { maxBytes: 64, maxRows: 1000, maxAgeMs: 60_000, idleMs: 0, maxSpanMs: 1_800_000 });
    batcher.append(rows([row(1, 5), row(2, 200), row(3, 5)], separator));
    batcher.flush();
    t.same(batches.map((batch) => batch.rows), [1, 1, 1], `${framing}: three batches`);
    if (framing === 'json-array') t.same(JSON.parse(batches[1]?.body.toString() ?? ''), [JSON.parse(row(2, 200))], 'valid JSON array');
  }
});

void t.test('keeps the TimeGenerated span of a batch within maxSpanMs', async (t) => {
  const minute = 60_000;
  const { batcher, batches } = collect('json-array', { maxBytes: 1 << 20, maxRows: 1000, maxAgeMs: 60_000, idleMs: 0, maxSpanMs: 30 * minute });
  // Out of order on purpose: the span is max - min, not last - first.
  const times = [0, 10, 29, 5, 31, 40, 2, 70].map((m) => m * minute);
  batcher.append(rows(times.map((_, n) => row(n)), ',', times));
  batcher.flush();
  t.same(batches.map((batch) => batch.rows), [4, 2, 1, 1], 'cut where the span would pass 30 minutes');
  for (const batch of batches) {
    const ns = (JSON.parse(batch.body.toString()) as Array<{ n: number }>).map((r) => r.n);
    const span = Math.max(...ns.map((n) => times[n] ?? 0)) - Math.min(...ns.map((n) => times[n] ?? 0));
    t.ok(span <= 30 * minute, `batch ${JSON.stringify(ns)} spans ${span / minute} min`);
  }
});

void t.test('row offsets let a batch be split and rows picked out without parsing', async (t) => {
  const { sliceBatch, halves, rowJson } = await import('../../src/sinks/batch.ts');
  for (const [framing, separator] of [['ndjson', '\n'], ['json-array', ',']] as const) {
    const { batcher, batches } = collect(framing, { maxBytes: 1 << 20, maxRows: 1000, maxAgeMs: 60_000, idleMs: 0, maxSpanMs: 1_800_000 });
    const texts = Array.from({ length: 5 }, (_, n) => row(n, n * 3));
    batcher.append(rows(texts, separator));
    batcher.flush();
    const batch = batches[0];
    if (!batch) throw new Error('no batch');
    t.same(Array.from({ length: 5 }, (_, i) => rowJson(batch, i).toString()), texts, `${framing}: every row`);
    const [first, second] = halves(batch);
    t.same([first.rows, second.rows], [3, 2]);
    const middle = sliceBatch(batch, 1, 4);
    t.same(Array.from({ length: 3 }, (_, i) => rowJson(middle, i).toString()), texts.slice(1, 4), `${framing}: a slice keeps its rows`);
    if (framing === 'json-array') {
      t.same(JSON.parse(first.body.toString()), texts.slice(0, 3).map((text) => JSON.parse(text) as unknown), 'halves are valid JSON arrays');
      t.same(JSON.parse(second.body.toString()), texts.slice(3).map((text) => JSON.parse(text) as unknown));
    } else {
      t.equal(first.body.toString() + second.body.toString(), batch.body.toString(), 'ndjson halves concatenate to the whole');
    }
  }
});

void t.test('every body owns its ArrayBuffer, never Node\'s shared pool (bodies are transferred to a worker to be sealed)', async (t) => {
  const { batcher, batches } = collect('json-array', { maxBytes: 64 * 1024, maxRows: 1000, maxAgeMs: 60_000, idleMs: 0, maxSpanMs: 1_800_000 });
  batcher.append(rows([row(1)], ','));
  batcher.flush();
  batcher.append(rows([row(2, 70 * 1024)], ','));
  batcher.flush();
  t.equal(batches.length, 2, 'a small batch and a single oversized row');
  for (const [i, batch] of batches.entries()) {
    t.equal(batch.body.byteOffset, 0, `batch ${i}: starts its buffer`);
    t.not(batch.body.buffer.byteLength === Buffer.poolSize && batch.body.length < Buffer.poolSize >>> 1, true, `batch ${i}: not pooled`);
    t.ok(batch.body.buffer.byteLength <= Math.max(batch.body.length, 64 * 1024), `batch ${i}: a buffer of its own size (or the batcher's)`);
  }
});
