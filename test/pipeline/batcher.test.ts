import t from 'tap';
import { MAX_OPEN_BATCHES, StreamBatcher, type BatchLimits } from '../../src/pipeline/batcher.ts';
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
    t.same(batches.map((batch) => batch.rows), [1, 2], `${framing}: the large row at once, alone; the others together`);
    t.ok(batches[0]?.body.includes(row(2, 200)), 'the large row');
    if (framing === 'json-array') t.same(JSON.parse(batches[0]?.body.toString() ?? ''), [JSON.parse(row(2, 200))], 'valid JSON array');
  }
});

void t.test('keeps the TimeGenerated span of a batch within maxSpanMs', async (t) => {
  const minute = 60_000;
  const { batcher, batches } = collect('json-array', { maxBytes: 1 << 20, maxRows: 1000, maxAgeMs: 60_000, idleMs: 0, maxSpanMs: 30 * minute });
  // Out of order on purpose: the span is max - min, not last - first.
  const times = [0, 10, 29, 5, 31, 40, 2, 70].map((m) => m * minute);
  batcher.append(rows(times.map((_, n) => row(n)), ',', times));
  batcher.flush();
  // 0, 10, 29, 5 and 2 share a window; 31 and 40 open a second, 70 a third.
  t.same(batches.map((batch) => batch.rows), [5, 2, 1], 'one batch per 30-minute window');
  for (const batch of batches) {
    const ns = (JSON.parse(batch.body.toString()) as Array<{ n: number }>).map((r) => r.n);
    const span = Math.max(...ns.map((n) => times[n] ?? 0)) - Math.min(...ns.map((n) => times[n] ?? 0));
    t.ok(span <= 30 * minute, `batch ${JSON.stringify(ns)} spans ${span / minute} min`);
  }
});

void t.test('rows whose times jump between two periods fill one batch per period, not one per jump', async (t) => {
  const hour = 3_600_000;
  const { batcher, batches } = collect('json-array', { maxBytes: 1 << 20, maxRows: 100, maxAgeMs: 60_000, idleMs: 0, maxSpanMs: 1_800_000 });
  const times = Array.from({ length: 1000 }, (_, n) => (n % 2) * 3 * hour);
  // As tasks return them: 250 rows at a time.
  for (let from = 0; from < times.length; from += 250) {
    const part = times.slice(from, from + 250);
    batcher.append(rows(part.map((_, i) => row(from + i)), ',', part));
  }
  batcher.flush();
  t.same(batches.map((batch) => batch.rows), Array.from({ length: 10 }, () => 100), 'full batches');
  for (const batch of batches) {
    const periods = new Set((JSON.parse(batch.body.toString()) as Array<{ n: number }>).map((r) => r.n % 2));
    t.equal(periods.size, 1, 'each of one period');
  }
});

void t.test(`with rows of more periods than ${MAX_OPEN_BATCHES} at once, the fullest batch is shipped to make room`, async (t) => {
  const hour = 3_600_000;
  const { batcher, batches } = collect('json-array', { maxBytes: 1 << 20, maxRows: 1000, maxAgeMs: 60_000, idleMs: 0, maxSpanMs: 1_800_000 });
  // Period 1 gets three rows, every other period one; period MAX_OPEN_BATCHES is one too many.
  const periods = [1, 1, 1, ...Array.from({ length: MAX_OPEN_BATCHES + 1 }, (_, k) => k).filter((k) => k !== 1)];
  let n = 0;
  for (const period of periods) batcher.append(rows([row(n++)], ',', [period * hour]));
  t.equal(batches.length, 1, 'one batch had to go');
  t.same((JSON.parse(batches[0]?.body.toString() ?? '[]') as Array<{ n: number }>).map((r) => r.n), [0, 1, 2], "period 1's three rows, the fullest");
  t.equal(batcher.bytes > 0, true, 'the others still open');
  batcher.flush();
  t.equal(batches.length, MAX_OPEN_BATCHES + 1, 'then one batch per period');
  t.equal(batches.reduce((sum, batch) => sum + batch.rows, 0), periods.length, 'every row, once');
  for (const batch of batches) {
    const ns = (JSON.parse(batch.body.toString()) as Array<{ n: number }>).map((r) => r.n);
    t.equal(new Set(ns.map((i) => periods[i])).size, 1, `batch ${JSON.stringify(ns)} is of one period`);
  }
});

void t.test("another period's batch grows to a full batch, every row whole and in order", async (t) => {
  const maxBytes = 200 * 1024;
  const { batcher, batches } = collect('json-array', { maxBytes, maxRows: 10_000, maxAgeMs: 60_000, idleMs: 0, maxSpanMs: 1_800_000 });
  batcher.append(rows([row(-1)], ',', [0]));
  // 1,000 rows of about 320 bytes: past the first buffer (64 KiB) and the first row offsets (256 rows).
  const texts = Array.from({ length: 1000 }, (_, n) => row(n, 300));
  for (let from = 0; from < texts.length; from += 50) batcher.append(rows(texts.slice(from, from + 50), ',', texts.slice(from, from + 50).map(() => 7_200_000)));
  batcher.flush();
  const later = batches.filter((batch) => !batch.body.includes(row(-1)));
  t.ok(later.length >= 2 && later.every((batch) => batch.body.length <= maxBytes), 'cut at maxBytes');
  t.ok((later[0]?.body.length ?? 0) > maxBytes - 400, 'the first filled to maxBytes, well past its first buffer');
  t.ok((later[0]?.rows ?? 0) > 256, 'and past its first row offsets');
  const ns = later.flatMap((batch) => (JSON.parse(batch.body.toString()) as Array<{ n: number }>).map((r) => r.n));
  t.same(ns, texts.map((_, n) => n), 'all rows, in order');
});

void t.test('the input going quiet ships the batch of every period', async (t) => {
  const { batcher, batches } = collect('ndjson', { maxBytes: 1 << 20, maxRows: 1000, maxAgeMs: 60_000, idleMs: 30, maxSpanMs: 1_800_000 });
  batcher.append(rows([row(1), row(2), row(3)], '\n', [0, 7_200_000, 0]));
  t.equal(batches.length, 0, 'not yet');
  t.ok(batcher.bytes > 0, 'held');
  await new Promise((resolve) => setTimeout(resolve, 150));
  t.same(batches.map((batch) => batch.rows).sort(), [1, 2], 'both periods shipped, idleMs after their last rows');
  t.equal(batcher.bytes, 0, 'nothing held');
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
