import { crc32, gunzipSync } from 'node:zlib';
import { Piscina } from 'piscina';
import t from 'tap';
import { TaskBuilder, transferListOf } from '../../src/pipeline/task-builder.ts';
import type { FrameTask, SealResult, SealTask, StreamRows, TaskResult, WorkerOptions, WorkerPolicy } from '../../src/pipeline/task.ts';
import { warmUpTask } from '../../src/pipeline/warm-up.ts';

/*
 * Rows come back from a worker as views of its shared slabs. A slab must not
 * be written again while the main thread may still copy from it, and must be
 * written again once released: the first is correctness, the second is what
 * keeps the worker from allocating per task.
 */

const policy: WorkerPolicy = {
  timeZone: 'UTC',
  outputs: { syslog: true, commonSecurityLog: true, cefToSyslog: false, asimAuthentication: true },
  facilities: [],
  minimumSeverity: 7,
};
const workerData: WorkerOptions = {
  streams: {
    syslog: 'Custom-Syslog',
    commonSecurityLog: 'Custom-CommonSecurityLog',
    asimAuthentication: 'Custom-ASimAuthentication',
    awsCloudTrail: 'Custom-AWSCloudTrail',
    gcpAuditLogs: 'Custom-GCPAuditLogs',
    asimAuditEvent: 'Custom-ASimAuditEvent',
  },
  policies: { syslog_udp: policy, syslog_tcp: policy, syslog_tls: policy },
  rowSeparator: 0x0a,
};

function task(lines: string[]): FrameTask {
  const builder = new TaskBuilder('syslog_tcp', 64 * 1024, 1024);
  for (const line of lines) {
    const bytes = Buffer.from(line);
    builder.add(bytes, 0, bytes.length, '10.0.0.1', Date.UTC(2026, 0, 1), 0);
  }
  const built = builder.take();
  if (!built) throw new Error('no task');
  return built;
}

const lines = (tag: string): string[] => Array.from({ length: 50 }, (_, i) => `<13>1 2026-01-01T00:00:00Z host app - - - ${tag} line ${i}`);

function syslogRows(result: TaskResult): StreamRows {
  const rows = result.outputs.find((output) => output.stream === 'Custom-Syslog');
  if (!rows) throw new Error('no Syslog rows');
  return rows;
}

void t.test('a slab is written again only after the main thread releases it', async (t) => {
  const pool = new Piscina<FrameTask, TaskResult>({ filename: new URL('../../src/pipeline/worker.ts', import.meta.url).href, minThreads: 1, maxThreads: 1, workerData });
  t.teardown(() => pool.destroy());
  const run = async (tag: string): Promise<StreamRows> => {
    const frames = task(lines(tag));
    return syslogRows(await pool.run(frames, { transferList: transferListOf(frames) }));
  };

  const first = await run('first');
  t.ok(first.data.buffer instanceof SharedArrayBuffer, 'rows arrive as a view of shared memory, not a copy');
  t.ok(first.release, 'with the flag that releases it');
  const firstText = Buffer.from(first.data).toString();
  t.match(firstText, /first line 0/);

  await run('second');
  t.equal(Buffer.from(first.data).toString(), firstText, 'not released: the next task wrote elsewhere');

  if (first.release) Atomics.store(first.release, 0, 0);
  // The slab of 'second' is still held too, so the worker's only free slab is the first one.
  await run('third');
  t.match(Buffer.from(first.data).toString(), /third line 0/, 'released: the next task reused the memory');
});

void t.test('a warm-up task runs every step and returns no rows', async (t) => {
  const pool = new Piscina<FrameTask, TaskResult>({ filename: new URL('../../src/pipeline/worker.ts', import.meta.url).href, minThreads: 1, maxThreads: 1, workerData });
  t.teardown(() => pool.destroy());
  const warm = warmUpTask();
  const result = await pool.run(warm, { transferList: transferListOf(warm) });
  t.same(result.outputs, [], 'nothing for the batchers');
  t.ok((result.counts.formats['rfc5424'] ?? 0) > 0 && (result.counts.formats['rfc3164'] ?? 0) > 0, 'both syslog formats parsed');
  t.ok(result.counts.cef > 0 && result.counts.authentication > 0, 'CEF and authentication rows made');
  // Its slabs were released: a real task right after gets rows as usual.
  const frames = task(lines('after'));
  const rows = syslogRows(await pool.run(frames, { transferList: transferListOf(frames) }));
  t.match(Buffer.from(rows.data).toString(), /after line 0/);
});

void t.test('a sealed batch carries the CRC-32 of its body, gzip or not', async (t) => {
  const pool = new Piscina<SealTask, SealResult>({ filename: new URL('../../src/pipeline/worker.ts', import.meta.url).href, minThreads: 1, maxThreads: 1, workerData });
  t.teardown(() => pool.destroy());
  const text = Array.from({ length: 2000 }, (_, i) => `{"Computer":"host-${i % 7}","SyslogMessage":"line ${i}"}`).join('\n');
  for (const gzipLevel of [undefined, 1, 6]) {
    const body = new Uint8Array(new SharedArrayBuffer(Buffer.byteLength(text)));
    Buffer.from(body.buffer).write(text);
    const sealed = await pool.run({ kind: 'seal', body, gzipLevel });
    t.equal(sealed.crc, crc32(body), `crc, gzip level ${String(gzipLevel)}`);
    if (gzipLevel === undefined) t.equal(sealed.gzip, undefined, 'no gzip');
    else t.equal(gunzipSync(sealed.gzip ?? new Uint8Array()).toString(), text, `gzip level ${gzipLevel} holds the body`);
  }
});

void t.test("a small batch's gzip comes back in an ArrayBuffer of its own size, not in zlib's 64 KiB output chunk", async (t) => {
  const pool = new Piscina<SealTask, SealResult>({ filename: new URL('../../src/pipeline/worker.ts', import.meta.url).href, minThreads: 1, maxThreads: 1, workerData });
  t.teardown(() => pool.destroy());
  const text = '[{"Computer":"host-1","SyslogMessage":"one row"}]';
  const body = new Uint8Array(new SharedArrayBuffer(text.length));
  Buffer.from(body.buffer).write(text);
  const sealed = await pool.run({ kind: 'seal', body, gzipLevel: 1 });
  const gzip = sealed.gzip ?? new Uint8Array();
  t.equal(gunzipSync(gzip).toString(), text, 'the body');
  t.equal(gzip.buffer.byteLength, gzip.byteLength, 'nothing unused behind it');
});
