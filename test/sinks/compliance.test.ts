import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import { Metrics } from '../../src/metrics/index.ts';
import { buildConfig } from '../../src/config/load.ts';
import { errorCodeOf } from '../../src/errors/index.ts';
import { createSink } from '../../src/sinks/index.ts';
import { StdoutSink } from '../../src/sinks/stdout.ts';
import type { Batch, Sink } from '../../src/sinks/types.ts';

/*
 * What every sink promises: start() checks the destination, ready() tells the
 * truth, send() answers with a verdict and never throws, and what it accepted
 * is exactly what arrives.
 */

const body = Buffer.from('{"a":1}\n{"a":2}\n');
const context = { metrics: new Metrics(), logger: pino({ level: 'silent' }) };
const ndjson = (stream: string): Batch => ({ stream, body, rows: 2, framing: 'ndjson', ends: Uint32Array.of(8, 16), createdAt: Date.now() });
const batch = ndjson('Custom-Syslog');

interface Case {
  name: string;
  make: () => { sink: Sink; delivered: () => Buffer };
}

const CASES: Case[] = [
  {
    name: 'file',
    make: () => {
      const dir = mkdtempSync(join(tmpdir(), 'asimd-sink-'));
      const config = buildConfig({ sink: { type: 'file', file: { directory: dir } } });
      return { sink: createSink(config, context), delivered: () => readFileSync(join(dir, 'Custom-Syslog.ndjson')) };
    },
  },
  {
    name: 'stdout',
    make: () => {
      const output = new PassThrough();
      const chunks: Buffer[] = [];
      output.on('data', (chunk: Buffer) => chunks.push(chunk));
      return { sink: new StdoutSink(output), delivered: () => Buffer.concat(chunks) };
    },
  },
];

for (const { name, make } of CASES) {
  void t.test(`${name} sink`, async (t) => {
    const { sink, delivered } = make();
    await sink.start();
    t.ok(sink.ready(), 'ready after start');
    t.same(await sink.send(batch), { kind: 'ok' }, 'first batch');
    t.same(await sink.send(batch), { kind: 'ok' }, 'second batch');
    t.equal(delivered().toString(), body.toString().repeat(2), 'bytes arrive exactly, in order');
    t.equal(sink.framing, 'ndjson');
    await sink.close();
  });
}

void t.test('file sink: an unusable directory fails start() with a coded error', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'asimd-sink-'));
  const notADirectory = join(dir, 'plain-file');
  writeFileSync(notADirectory, '');
  const config = buildConfig({ sink: { file: { directory: join(notADirectory, 'out') } } });
  const sink = createSink(config, context);
  await t.rejects(sink.start(), { code: 'ASIMD_SINK_UNAVAILABLE' });
  t.notOk(sink.ready(), 'not ready');
});

void t.test('file sink: a failing write is a retry verdict, not an exception', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'asimd-sink-'));
  const config = buildConfig({ sink: { file: { directory: dir } } });
  const sink = createSink(config, context);
  await sink.start();
  // A stream named like a directory that exists: open() fails with EISDIR.
  const { mkdirSync } = await import('node:fs');
  mkdirSync(join(dir, 'Custom-Broken.ndjson'));
  const verdict = await sink.send(ndjson('Custom-Broken'));
  t.equal(verdict.kind, 'retry');
  t.notOk(sink.ready(), 'a failing sink is not ready');
  t.same(await sink.send(batch), { kind: 'ok' }, 'other streams still work');
  t.ok(sink.ready(), 'and it is ready again');
  t.equal(errorCodeOf(new Error('x')), undefined);
});
