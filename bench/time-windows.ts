/**
 * Lines whose times jump between periods hours apart (a relay passing on a backlog beside live logs, devices
 * with wrong clocks), through the compiled agent into the counting sink: how many requests they become, how
 * long they take and the agent's peak RSS. A script, not a test.
 *
 *   node --import ./scripts/ts-loader.mjs bench/time-windows.ts [lines] [periods]
 *
 * Defaults: 100,000 lines over 2 periods 3 hours apart, taking turns.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asimdConfig, startAsimd, TOKEN } from './contenders.ts';
import { fmt } from './harness.ts';
import { peakRssMiB } from './processes.ts';
import { sendAll } from './sender.ts';
import { startCountingSink } from './sink.ts';
import type { Workload } from './workload.ts';

const lines = Number(process.argv[2] ?? 100_000);
const periods = Number(process.argv[3] ?? 2);
const HOUR = 3_600_000;

function workloadOf(count: number): Workload {
  const now = Date.now();
  const parts: Buffer[] = [];
  const ends = new Uint32Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    // A stride prime to the period count visits every period in turn.
    const time = new Date(now - ((i * 7919) % periods) * 3 * HOUR).toISOString();
    const line = Buffer.from(`<134>1 ${time} host-${i % 7} app 42 ID - message ${i} ${'x'.repeat(140)}\n`);
    parts.push(line);
    at += line.length;
    ends[i] = at;
  }
  return { data: Buffer.concat(parts), ends, stamped: new Uint8Array(count), count, kinds: { 'rfc5424-sd': 0, rfc5424: count, rfc3164: 0, cef: 0, auth: 0 }, samples: { 'rfc5424-sd': [], rfc5424: [], rfc3164: [], cef: [], auth: [] } };
}

const dir = mkdtempSync(join(tmpdir(), 'asimd-time-windows-'));
const sink = await startCountingSink(dir);
const agent = await startAsimd(asimdConfig({ url: sink.url, caFile: sink.caFile, auth: { type: 'static-token', token: TOKEN } }));
try {
  const started = Date.now();
  const reached = sink.reached(['Custom-Syslog'], lines, 300_000);
  await sendAll(agent.port, workloadOf(lines), 4, lines);
  const arrived = await reached;
  const snapshot = await sink.snapshot();
  console.log(
    `${fmt(lines)} lines over ${periods} periods: ${arrived ? 'all' : 'not all'} arrived in ${((Date.now() - started) / 1000).toFixed(1)} s, ` +
      `${fmt(snapshot.requests)} requests, asimd peak RSS ${peakRssMiB(agent.pid).toFixed(0)} MiB`,
  );
} finally {
  await agent.stop();
  await sink.stop();
  rmSync(dir, { recursive: true, force: true });
}
