/**
 * `npm run bench`: asimd next to a peer (syslog-ng, and any other agent described in bench/peers/) in one
 * run, on the same bytes, into the same counting sink. A script, not a test.
 *
 *   npm run bench                         full run (about 10 minutes), results kept in bench/results/
 *   npm run bench -- --quick --json       under 90 s, one JSON object on stdout
 *
 * Options: --quick, --json, --peer <name> (repeatable; `--peer none` for asimd alone), --messages <n>,
 * --rounds <n>, --connections <n>, --cpu-prof (profile asimd in one more syslog run), --no-install,
 * --save (also keep a quick run's results), --skip <latency|overload|emulator|cloudtrail|parse>, --warm-up <n>
 * (messages each contender gets, unmeasured, before each maximum-rate run; 100,000, 0 for none).
 *
 * Per contender: messages/s end to end (first byte sent → last row counted at the sink), input MB/s,
 * CPU-seconds per million messages (every thread of the process), peak RSS (VmHWM, worker threads
 * included); p50/p99 send → sink latency at half the contender's own maximum; an overload run at twice
 * its maximum (RSS within budget, senders paused, nothing lost). Then asimd alone: the same syslog into
 * the emulator over HTTPS with full validation, CloudTrail files over HTTP into raw + ASIM rows, and
 * parse-only (and worker) rates per format of the workload.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';
import { parse as parseYaml } from 'yaml';
import { Pool } from 'undici';
import { cefStart, parseCefAt } from '../parsers/cef/index.ts';
import { createParser } from '../parsers/syslog/index.ts';
import { asimdConfig, asimdContender, DCR, peerContender, peerSpecs, startAsimd, TOKEN, type Contender, type SinkTarget } from './contenders.ts';
import { commit, fmt, median, rate } from './harness.ts';
import { cloudTrailRecord, cloudTrailTime, postFor } from './http-load.ts';
import { profileMarkdown, summarizeProfiles, type ProfileSummary } from './profile.ts';
import { cpuSeconds, nodeThreadBreakdown, outsideLoad, peakRssMiB, ROOT, startEmulatorProcess, threadCpu, waitForQuiet } from './processes.ts';
import { sendAll, sendAtRate, wallClock } from './sender.ts';
import { rowsOf, startCountingSink, type CountingSink } from './sink.ts';
import { generateWorkload, MIX, writeWorkload, type LineKind, type Workload } from './workload.ts';
import { workerPool, workerRate } from './worker-pool.ts';

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    peer: { type: 'string', multiple: true },
    messages: { type: 'string' },
    rounds: { type: 'string' },
    connections: { type: 'string', default: '4' },
    'cpu-prof': { type: 'boolean', default: false },
    'no-install': { type: 'boolean', default: false },
    save: { type: 'boolean', default: false },
    skip: { type: 'string', multiple: true },
    'asimd-config': { type: 'string' },
    'quiet-wait': { type: 'string' },
    'rss-budget': { type: 'string', default: '256' },
    'warm-up': { type: 'string', default: '100000' },
  },
});
const quick = options.quick;
const S = {
  messages: Number(options.messages ?? (quick ? 300_000 : 2_000_000)),
  rounds: Number(options.rounds ?? 3),
  connections: Number(options.connections),
  latencySeconds: quick ? 2 : 30,
  overloadSeconds: quick ? 2 : 30,
  emulatorMessages: quick ? 50_000 : 1_000_000,
  cloudTrailSeconds: quick ? 2 : 10,
  parseMs: quick ? 150 : 1000,
  workerMs: quick ? 0 : 1500,
  rssBudgetMiB: Number(options['rss-budget']),
  /** Messages each contender gets, unmeasured, before each maximum-rate run (0: none). */
  warmUpMessages: Number(options['warm-up']),
  /** Before each measured run, wait up to this long for other jobs on the machine to go quiet. */
  quietWaitMs: Number(options['quiet-wait'] ?? (quick ? 0 : 60)) * 1000,
};
/** Extra asimd config (YAML text, or a file), laid over the bench's (objects merged key by key). */
const asimdExtra = (options['asimd-config'] === undefined
  ? {}
  : (parseYaml(existsSync(options['asimd-config']) ? readFileSync(options['asimd-config'], 'utf8') : options['asimd-config']) as Record<string, unknown> | null) ?? {});
const skip = new Set(options.skip ?? []);
const nodeMajor = Number(process.versions.node.split('.')[0]);
const RATIO_TARGET = nodeMajor >= 24 ? 1.25 : 1.0;
const CPU_TARGET = 8;
const P99_TARGET_MS = 2000;
const CLOUDTRAIL_TARGET = 50_000;
/** A run is clean when other work on the machine kept fewer cores than this busy. */
const CLEAN_LOAD = 0.3;

const began = Date.now();
/** Progress goes to stderr; stdout carries only the table (or the JSON). */
function log(line: string): void {
  process.stderr.write(`[bench +${((Date.now() - began) / 1000).toFixed(0)}s] ${line}\n`);
}

// ---------------------------------------------------------------------------------------------------
// Results

interface MaxRun {
  /** End to end: first byte sent → last row counted. */
  msgsPerSec: number;
  /** Between 10 % and 90 % of the rows counted: without start-up and the last batch's wait. */
  steadyMsgsPerSec: number;
  mbPerSec: number;
  cpuSecondsPerMillion: number;
  /** The part of it on the process's main thread. */
  mainThreadCpuSecondsPerMillion: number;
  /** For a Node contender: CPU-seconds per million messages per kind of thread. */
  threadCpuSecondsPerMillion: Record<string, number> | undefined;
  peakRssMiB: number;
  seconds: number;
  /** Rows counted on the contender's message streams (must equal the messages sent), and on the others. */
  rows: number;
  otherRows: number;
  /** Request bytes per row as posted (gzip when the contender compresses). */
  postedBytesPerRow: number;
  sinkCpuSecondsPerMillion: number;
  /** Cores other processes on the machine kept busy during the run (noise). */
  outsideLoadCores: number;
  problems: string[];
}

interface RateRun {
  offeredPerSec: number;
  sentPerSec: number;
  sent: number;
  rows: number;
  lost: number;
  pausedPercent: number;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
  maxMs: number | undefined;
  cpuSecondsPerMillion: number;
  peakRssMiB: number;
  outsideLoadCores: number;
  problems: string[];
}

interface ContenderResult {
  name: string;
  version: string;
  gzip: boolean;
  runs: MaxRun[];
  max: MaxRun | undefined;
  latency: RateRun | undefined;
  overload: RateRun | undefined;
  error: string | undefined;
  /** Which runs the medians are over. */
  medianOf: string | undefined;
}

// ---------------------------------------------------------------------------------------------------
// Runs

async function quiet(maxMs = S.quietWaitMs): Promise<void> {
  if (maxMs <= 0) return;
  const waited = await waitForQuiet(maxMs);
  if (waited > 1000) log(`waited ${(waited / 1000).toFixed(0)} s for other jobs on the machine to go quiet`);
}

/**
 * The first S.warmUpMessages lines of the workload, sent and counted but not measured, so a maximum-rate
 * run measures the contender running rather than starting: in asimd's first second of traffic V8 compiles
 * its hot paths (0.3–0.5 CPU-seconds on its helper threads, most of it compiler work), about a tenth of the
 * CPU of a 500,000-message run. Every contender gets the same.
 */
async function warmUp(contender: Contender, port: number, sink: CountingSink, workload: Workload): Promise<void> {
  const lines = Math.min(S.warmUpMessages, workload.count);
  if (lines <= 0) return;
  const reached = sink.reached(contender.messageStreams, lines, 60_000);
  await sendAll(port, workload, S.connections, lines);
  if ((await reached) === undefined) throw new Error(`the ${fmt(lines)} warm-up messages did not all arrive within 60 s`);
  // The warm-up's last requests are answered and its background work done before the clock starts.
  await sleep(300);
  sink.reset(false);
}

async function maxRun(contender: Contender, sink: CountingSink, target: SinkTarget, workload: Workload, profileDir?: string): Promise<MaxRun> {
  // A quick run waits a little before the runs the ratio comes from, and not before the others.
  await quiet(quick ? Math.max(S.quietWaitMs, 4000) : S.quietWaitMs);
  sink.reset(false);
  const running = await contender.start(target, { profileDir });
  try {
    await sleep(300);
    await warmUp(contender, running.port, sink, workload);
    const cpu0 = cpuSeconds(running.pid);
    const main0 = cpuSeconds(running.pid, running.pid);
    const threads0 = contender.name === 'asimd' ? threadCpu(running.pid) : undefined;
    const sinkCpu0 = cpuSeconds(sink.pid);
    const outside = outsideLoad([running.pid, sink.pid]);
    const reached = sink.reached(contender.messageStreams, workload.count, 60_000 + workload.count / 10);
    const sent = await sendAll(running.port, workload, S.connections);
    const at = await reached;
    const cpu = cpuSeconds(running.pid) - cpu0;
    const mainCpu = cpuSeconds(running.pid, running.pid) - main0;
    const threads = threads0 && nodeThreadBreakdown(running.pid, threads0, threadCpu(running.pid));
    const sinkCpu = cpuSeconds(sink.pid) - sinkCpu0;
    const outsideLoadCores = outside();
    const peak = peakRssMiB(running.pid);
    const snapshot = await sink.snapshot();
    const rows = rowsOf(snapshot, contender.messageStreams);
    const total = Object.values(snapshot.rows).reduce((a, b) => a + b, 0);
    const problems = [...snapshot.malformed];
    if (at === undefined) problems.push(`only ${rows} of ${workload.count} rows arrived`);
    if (rows > workload.count) problems.push(`${rows - workload.count} rows more than messages (duplicates)`);
    const seconds = ((at?.at ?? snapshot.lastRowAt) - sent.startedAt) / 1000;
    if (at !== undefined) {
      const since = (t: number): string => ((t - sent.startedAt) / 1000).toFixed(2);
      log(`${contender.name}: all sent at ${since(sent.finishedAt)} s; first rows at ${since(snapshot.firstRowAt)} s, 10 % at ${since(at.at10)} s, 90 % at ${since(at.at90)} s, all at ${since(at.at)} s`);
    }
    return {
      msgsPerSec: at === undefined ? Number.NaN : workload.count / seconds,
      steadyMsgsPerSec: at === undefined ? Number.NaN : (0.8 * workload.count) / ((at.at90 - at.at10) / 1000),
      mbPerSec: sent.bytes / 1e6 / seconds,
      cpuSecondsPerMillion: (cpu / workload.count) * 1e6,
      mainThreadCpuSecondsPerMillion: (mainCpu / workload.count) * 1e6,
      threadCpuSecondsPerMillion: threads && Object.fromEntries(Object.entries(threads).map(([group, seconds]) => [group, (seconds / workload.count) * 1e6])),
      peakRssMiB: peak,
      seconds,
      rows,
      otherRows: total - rows,
      postedBytesPerRow: snapshot.bytesIn / Math.max(1, total),
      sinkCpuSecondsPerMillion: (sinkCpu / workload.count) * 1e6,
      outsideLoadCores,
      problems,
    };
  } finally {
    await running.stop();
  }
}

async function rateRun(contender: Contender, sink: CountingSink, target: SinkTarget, workload: Workload, perSecond: number, seconds: number): Promise<RateRun> {
  await quiet();
  sink.reset(true);
  const running = await contender.start(target);
  try {
    await sleep(300);
    const cpu0 = cpuSeconds(running.pid);
    const outside = outsideLoad([running.pid, sink.pid]);
    const sent = await sendAtRate(running.port, workload, { rate: perSecond, seconds, connections: S.connections });
    const outsideLoadCores = outside();
    // Everything sent must arrive; a contender that stopped reading has had its senders paused instead.
    const at = await sink.reached(contender.messageStreams, sent.messages, 120_000);
    const cpu = cpuSeconds(running.pid) - cpu0;
    const peak = peakRssMiB(running.pid);
    const snapshot = await sink.snapshot();
    const rows = rowsOf(snapshot, contender.messageStreams);
    const problems = [...snapshot.malformed];
    if (at === undefined) problems.push(`only ${rows} of ${sent.messages} rows arrived within 120 s`);
    const elapsed = (sent.finishedAt - sent.startedAt) / 1000;
    return {
      offeredPerSec: perSecond,
      sentPerSec: sent.messages / elapsed,
      sent: sent.messages,
      rows,
      lost: Math.max(0, sent.messages - rows),
      pausedPercent: (100 * sent.pausedMs) / (elapsed * 1000),
      p50Ms: snapshot.latency?.p50,
      p99Ms: snapshot.latency?.p99,
      maxMs: snapshot.latency?.max,
      cpuSecondsPerMillion: (cpu / Math.max(1, sent.messages)) * 1e6,
      peakRssMiB: peak,
      outsideLoadCores,
      problems,
    };
  } finally {
    await running.stop();
  }
}

/** Newlines in a growing file, read incrementally. */
function lineCounter(file: string): () => number {
  let offset = 0;
  let lines = 0;
  const buffer = Buffer.allocUnsafe(1 << 20);
  return () => {
    if (!existsSync(file)) return lines;
    const size = statSync(file).size;
    if (size <= offset) return lines;
    const fd = openSync(file, 'r');
    try {
      while (offset < size) {
        const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - offset), offset);
        if (n <= 0) break;
        for (let at = buffer.indexOf(0x0a); at !== -1 && at < n; at = buffer.indexOf(0x0a, at + 1)) lines++;
        offset += n;
      }
    } finally {
      closeSync(fd);
    }
    return lines;
  };
}

interface EmulatorRun {
  messages: number;
  outsideLoadCores: number;
  msgsPerSec: number;
  rows: Record<string, number>;
  deadLettered: number;
  retries: number;
  cpuSecondsPerMillion: number;
  peakRssMiB: number;
  problems: string[];
}

/** asimd → the emulator (its own process, HTTPS, Entra token, every row checked against the DCR). */
async function emulatorRun(workload: Workload): Promise<EmulatorRun> {
  await quiet();
  const dir = mkdtempSync(join(tmpdir(), 'asimd-bench-emulator-'));
  // Azure's per-DCR limits (12,000 requests and 2 GB per minute) would answer 429 at these rates.
  const emulator = await startEmulatorProcess(dir, DCR, 'requestsPerMinute: 100000000\nbytesPerMinute: 1000000000000');
  const target: SinkTarget = {
    url: emulator.url,
    caFile: emulator.caFile,
    auth: { type: 'client-secret', tenantId: 'bench', clientId: 'bench', clientSecret: 'bench', authorityHost: emulator.url },
  };
  const contender = asimdContender(asimdExtra);
  const running = await startAsimd(asimdConfig(target, asimdExtra));
  const streams = ['Custom-Syslog', 'Custom-CommonSecurityLog', 'Custom-ASimAuthenticationEventLogs'];
  const counters = new Map(streams.map((stream) => [stream, lineCounter(join(dir, 'emulator', `${stream}.ndjson`))]));
  const problems: string[] = [];
  try {
    await sleep(300);
    const messages = Math.min(S.emulatorMessages, workload.count);
    const cpu0 = cpuSeconds(running.pid);
    const outside = outsideLoad([running.pid, emulator.pid]);
    const sent = await sendAll(running.port, workload, S.connections, messages);
    let last = wallClock();
    let previous = -1;
    const deadline = Date.now() + 120_000;
    const rows: Record<string, number> = {};
    for (;;) {
      for (const [stream, count] of counters) rows[stream] = count();
      const counted = contender.messageStreams.reduce((sum, stream) => sum + (rows[stream] ?? 0), 0);
      const total = Object.values(rows).reduce((a, b) => a + b, 0);
      if (total !== previous) last = wallClock();
      previous = total;
      if (counted >= messages) break;
      if (Date.now() > deadline) {
        problems.push(`only ${counted} of ${messages} rows stored by the emulator`);
        break;
      }
      await sleep(100);
    }
    const cpu = cpuSeconds(running.pid) - cpu0;
    const deadLettered = (await running.metric?.('asimd_rows_dead_lettered_total')) ?? 0;
    const retries = (await running.metric?.('asimd_sink_retries_total')) ?? 0;
    if (deadLettered > 0) problems.push(`${deadLettered} rows dead-lettered`);
    return {
      messages,
      outsideLoadCores: outside(),
      msgsPerSec: messages / ((last - sent.startedAt) / 1000),
      rows,
      deadLettered,
      retries,
      cpuSecondsPerMillion: (cpu / messages) * 1e6,
      peakRssMiB: peakRssMiB(running.pid),
      problems,
    };
  } finally {
    await running.stop();
    emulator.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

interface CloudTrailRun {
  /** Records acknowledged per second (the endpoint answers once the records are rows in the batchers): the median window. */
  recordsPerSec: number;
  windows: number[];
  /** Records per second from the first request to the last AWSCloudTrail row at the sink. */
  recordsPerSecToLastRow: number;
  requestsPerSec: number;
  inFlight: number;
  outsideLoadCores: number;
  records: number;
  rows: Record<string, number>;
  refused: number;
  cpuSecondsPerMillion: number;
  peakRssMiB: number;
  problems: string[];
}

const CLOUDTRAIL_IN_FLIGHT = 16;

/**
 * CloudTrail log files (100 records each, 16 in flight) to /v1/aws/cloudtrail → AWSCloudTrail + ASIM rows at the
 * sink, after a warm-up; every acknowledged record must arrive.
 */
async function cloudTrailRun(sink: CountingSink, target: SinkTarget): Promise<CloudTrailRun> {
  await quiet();
  sink.reset(false);
  const running = await startAsimd(asimdConfig(target, asimdExtra));
  const time = cloudTrailTime(Date.now());
  const bodies = Array.from({ length: 16 }, (_, n) => JSON.stringify({ Records: Array.from({ length: 100 }, (_, i) => cloudTrailRecord(n, i, time)) }));
  const pool = new Pool(`http://127.0.0.1:${running.httpPort ?? 0}`, { connections: CLOUDTRAIL_IN_FLIGHT });
  const request = { path: '/v1/aws/cloudtrail', headers: { 'content-type': 'application/json' }, okStatus: 200 };
  try {
    const warm = await postFor(pool, request, bodies, CLOUDTRAIL_IN_FLIGHT, quick ? 1 : 2);
    await sink.reached(['Custom-AWSCloudTrail'], warm.ok * 100, 30_000);
    // Windows of a few seconds, each with the other load on the machine; the median window counts.
    const windows: Array<{ recordsPerSec: number; outsideLoadCores: number; cpuSecondsPerMillion: number }> = [];
    const started = wallClock();
    let ok = warm.ok;
    let refused = warm.failures;
    let seconds = 0;
    for (let w = 0; w < (quick ? 1 : 3); w++) {
      const cpu0 = cpuSeconds(running.pid);
      const outside = outsideLoad([running.pid, sink.pid]);
      const load = await postFor(pool, request, bodies, CLOUDTRAIL_IN_FLIGHT, S.cloudTrailSeconds / (quick ? 1 : 3));
      windows.push({
        recordsPerSec: (load.ok * 100) / load.seconds,
        outsideLoadCores: outside(),
        cpuSecondsPerMillion: ((cpuSeconds(running.pid) - cpu0) / Math.max(1, load.ok * 100)) * 1e6,
      });
      ok += load.ok;
      refused += load.failures;
      seconds += load.seconds;
    }
    const records = (ok - warm.ok) * 100;
    const at = await sink.reached(['Custom-AWSCloudTrail'], ok * 100, 60_000);
    const snapshot = await sink.snapshot();
    const problems = [...snapshot.malformed];
    if (at === undefined) problems.push(`only ${snapshot.rows['Custom-AWSCloudTrail'] ?? 0} of ${ok * 100} AWSCloudTrail rows arrived`);
    const middle = windows.find((w) => w.recordsPerSec === median(windows.map((x) => x.recordsPerSec))) ?? windows[0];
    return {
      recordsPerSec: middle?.recordsPerSec ?? Number.NaN,
      windows: windows.map((w) => Math.round(w.recordsPerSec)),
      recordsPerSecToLastRow: records / (((at?.at ?? snapshot.lastRowAt) - started) / 1000),
      requestsPerSec: records / 100 / seconds,
      inFlight: CLOUDTRAIL_IN_FLIGHT,
      outsideLoadCores: middle?.outsideLoadCores ?? Number.NaN,
      records,
      rows: Object.fromEntries(Object.entries(snapshot.rows).filter(([, n]) => n > 0)),
      refused,
      cpuSecondsPerMillion: middle?.cpuSecondsPerMillion ?? Number.NaN,
      peakRssMiB: peakRssMiB(running.pid),
      problems,
    };
  } finally {
    await pool.close();
    await running.stop();
  }
}

interface FormatRate {
  kind: LineKind;
  share: number;
  avgBytes: number;
  parsePerSec: number;
  workerPerSec: number | undefined;
  rowsPerMessage: number | undefined;
}

/** Parse-only on one core (the syslog parser, plus the CEF parser for CEF lines), and the pipeline's worker. */
async function formatRates(workload: Workload): Promise<FormatRate[]> {
  const parse = createParser({ timeZone: 'UTC' });
  const receivedAt = Date.now();
  const results: FormatRate[] = [];
  const pool = S.workerMs > 0 ? workerPool() : undefined;
  try {
    for (const kind of Object.keys(MIX) as LineKind[]) {
      const lines = workload.samples[kind];
      if (lines.length === 0) continue;
      const step =
        kind === 'cef'
          ? (i: number): number => {
              const text = lines[i] ?? '';
              const message = parse(text, receivedAt);
              const event = parseCefAt(text, cefStart(text));
              return message.message.length + (event === undefined ? 0 : 1);
            }
          : (i: number): number => parse(lines[i] ?? '', receivedAt).message.length;
      rate(lines.length, step, S.parseMs);
      const runs = quick ? 1 : 3;
      const parsed: number[] = [];
      for (let r = 0; r < runs; r++) parsed.push(rate(lines.length, step, S.parseMs));
      let worker: { perSecond: number; rowsPerMessage: number } | undefined;
      if (pool !== undefined) {
        await workerRate(pool, lines, S.workerMs / 2);
        const runsW: Array<{ perSecond: number; rowsPerMessage: number }> = [];
        for (let r = 0; r < 3; r++) runsW.push(await workerRate(pool, lines, S.workerMs));
        const perSecond = median(runsW.map((w) => w.perSecond));
        worker = { perSecond, rowsPerMessage: runsW[0]?.rowsPerMessage ?? 0 };
      }
      results.push({
        kind,
        share: MIX[kind],
        avgBytes: lines.reduce((sum, line) => sum + Buffer.byteLength(line), 0) / lines.length,
        parsePerSec: median(parsed),
        workerPerSec: worker?.perSecond,
        rowsPerMessage: worker?.rowsPerMessage,
      });
    }
  } finally {
    await pool?.destroy();
  }
  return results;
}

// ---------------------------------------------------------------------------------------------------
// Output

const num = (n: number | undefined, digits = 0): string => (n === undefined || !Number.isFinite(n) ? '–' : digits === 0 ? fmt(n) : n.toFixed(digits));

interface Report {
  environment: { node: string; cpu: string; cores: number; commit: string; dirty: boolean; date: string; mode: 'quick' | 'full' };
  settings: typeof S & { asimdConfig: Record<string, unknown> };
  workload: { messages: number; avgBytes: number; gzipLevel1Ratio: number; mix: Record<LineKind, number>; file: string };
  contenders: ContenderResult[];
  ratio: number | undefined;
  emulator: EmulatorRun | undefined;
  cloudTrail: CloudTrailRun | undefined;
  formats: FormatRate[];
  profile: ProfileSummary | undefined;
  targets: Array<{ target: string; measured: string; met: boolean | undefined }>;
}

function markdown(report: Report): string {
  const { environment: env, contenders } = report;
  const out: string[] = [];
  out.push(`node ${env.node}, ${env.cpu} × ${env.cores}, commit ${env.commit}${env.dirty ? ' (+ uncommitted changes)' : ''}, ${env.date}, ${env.mode} run`);
  out.push(
    `Workload: ${fmt(report.workload.messages)} syslog lines, ${report.workload.avgBytes.toFixed(0)} bytes on average (${Object.entries(report.workload.mix)
      .map(([kind, n]) => `${kind} ${((100 * n) / report.workload.messages).toFixed(0)} %`)
      .join(', ')}), gzip level 1 ratio ${report.workload.gzipLevel1Ratio.toFixed(1)}; ${report.settings.connections} TCP connections; counting sink over HTTPS; each maximum-rate run after ${fmt(report.settings.warmUpMessages)} unmeasured warm-up messages. A run is clean when other jobs on the machine kept fewer than ${CLEAN_LOAD} cores busy.`,
  );
  out.push('');
  out.push(`| syslog TCP → Syslog rows → HTTPS | ${contenders.map((c) => c.name).join(' | ')} |`);
  out.push(`|---|${contenders.map(() => '---:').join('|')}|`);
  const row = (label: string, cell: (c: ContenderResult) => string): void => {
    out.push(`| ${label} | ${contenders.map(cell).join(' | ')} |`);
  };
  row('messages/s, first byte sent → last row counted (median)', (c) => (c.error ? `failed: ${c.error}` : `**${num(c.max?.msgsPerSec)}**`));
  row('messages/s, steady (10 % → 90 % of the rows)', (c) => num(c.max?.steadyMsgsPerSec));
  row('input MB/s', (c) => num(c.max?.mbPerSec, 1));
  row('CPU-seconds per million messages (median)', (c) => num(c.max?.cpuSecondsPerMillion, 2));
  row('… of which on the main thread', (c) => num(c.max?.mainThreadCpuSecondsPerMillion, 2));
  const groups = [...new Set(contenders.flatMap((c) => Object.keys(c.max?.threadCpuSecondsPerMillion ?? {})))].filter((g) => g !== 'main thread').sort();
  for (const group of groups) row(`… on ${group}`, (c) => num(c.max?.threadCpuSecondsPerMillion?.[group], 2));
  row('peak RSS, MiB (all threads; highest of the runs)', (c) => num(c.max?.peakRssMiB));
  row('request body', (c) => (c.gzip ? 'gzip' : 'uncompressed'));
  row('bytes posted per row', (c) => num(c.max?.postedBytesPerRow));
  row('extra rows (ASIM) per message', (c) => num(c.max ? c.max.otherRows / Math.max(1, c.max.rows) : undefined, 3));
  row('medians over', (c) => c.medianOf ?? '–');
  row('runs, messages/s', (c) => c.runs.map((r) => num(r.msgsPerSec)).join(', ') || '–');
  row('… other load on the machine, cores', (c) => c.runs.map((r) => num(r.outsideLoadCores, 1)).join(', ') || '–');
  row('latency at half the steady max: p50 / p99 ms', (c) => (c.latency ? `${num(c.latency.p50Ms)} / ${num(c.latency.p99Ms)}` : '–'));
  row('… rate sent, CPU-s/M, peak RSS MiB, other load', (c) =>
    c.latency ? `${num(c.latency.sentPerSec)}, ${num(c.latency.cpuSecondsPerMillion, 2)}, ${num(c.latency.peakRssMiB)}, ${num(c.latency.outsideLoadCores, 1)}` : '–',
  );
  row(`overload at 2× the steady max for ${report.settings.overloadSeconds} s: taken msgs/s`, (c) => (c.overload ? num(c.overload.sentPerSec) : '–'));
  row('… senders paused, peak RSS MiB, lost, other load', (c) =>
    c.overload ? `${num(c.overload.pausedPercent)} %, ${num(c.overload.peakRssMiB)}, ${fmt(c.overload.lost)}, ${num(c.overload.outsideLoadCores, 1)}` : '–',
  );
  out.push('');
  out.push(`Versions: ${contenders.map((c) => c.version).join('; ')}.`);
  if (Object.keys(report.settings.asimdConfig).length) out.push(`asimd config additions: \`${JSON.stringify(report.settings.asimdConfig)}\`.`);
  if (report.ratio !== undefined) out.push(`Ratio asimd / ${contenders[1]?.name ?? 'peer'} messages/s: **${report.ratio.toFixed(2)}**.`);
  const problems = contenders.flatMap((c) => [...c.runs, c.latency, c.overload].flatMap((r) => (r ? r.problems.map((p) => `${c.name}: ${p}`) : [])));
  if (problems.length) out.push(`Problems: ${problems.join('; ')}.`);
  if (report.emulator) {
    const e = report.emulator;
    out.push('');
    out.push(
      `asimd → emulator (own process; HTTPS, Entra token, gzip, every row checked against the DCR): ${fmt(e.messages)} messages at **${num(e.msgsPerSec)} msgs/s**, ` +
        `${num(e.cpuSecondsPerMillion, 2)} CPU-s per million (agent), peak RSS ${num(e.peakRssMiB)} MiB, other load ${num(e.outsideLoadCores, 1)} cores; rows stored: ${Object.entries(e.rows)
          .map(([s, n]) => `${s} ${fmt(n)}`)
          .join(', ')}; dead-lettered ${fmt(e.deadLettered)}, retries ${fmt(e.retries)}${e.problems.length ? `; problems: ${e.problems.join('; ')}` : ''}.`,
    );
  }
  if (report.cloudTrail) {
    const c = report.cloudTrail;
    out.push('');
    out.push(
      `CloudTrail files (100 records, ${c.inFlight} in flight, after a warm-up) → \`/v1/aws/cloudtrail\` → AWSCloudTrail + ASIM rows → counting sink: **${num(c.recordsPerSec)} records/s** acknowledged ` +
        `(median of ${c.windows.length} windows: ${c.windows.map((w) => fmt(w)).join(', ')}; ${num(c.recordsPerSecToLastRow)} over all of them to the last row at the sink; ${num(c.requestsPerSec)} requests/s, ${num(c.cpuSecondsPerMillion, 1)} CPU-s per million records, peak RSS ${num(c.peakRssMiB)} MiB, other load ${num(c.outsideLoadCores, 1)} cores; rows incl. warm-up ${Object.entries(c.rows)
          .map(([s, n]) => `${s} ${fmt(n)}`)
          .join(', ')}; ${fmt(c.refused)} requests refused${c.problems.length ? `; problems: ${c.problems.join('; ')}` : ''}).`,
    );
  }
  if (report.formats.length) {
    out.push('');
    out.push('| format (share of the workload) | avg bytes | parse only, msgs/s per core | worker: parse + rows + JSON, msgs/s per core | rows per message |');
    out.push('|---|---:|---:|---:|---:|');
    for (const f of report.formats) out.push(`| ${f.kind} (${f.share} %) | ${num(f.avgBytes)} | ${num(f.parsePerSec)} | ${num(f.workerPerSec)} | ${num(f.rowsPerMessage, 2)} |`);
  }
  out.push('');
  out.push('| target | measured | met |');
  out.push('|---|---|---|');
  for (const t of report.targets) out.push(`| ${t.target} | ${t.measured} | ${t.met === undefined ? '–' : t.met ? 'yes' : '**no**'} |`);
  if (report.profile) {
    out.push('');
    out.push(
      'asimd CPU profile (one more syslog run with --cpu-prof). V8 samples by wall clock: a thread waiting for a core still counts, so read the shares, ' +
        'not the milliseconds, and the CPU per kind of thread above for the real cost. JSON.stringify and other builtins count as the self time of their caller.',
    );
    out.push('');
    out.push(profileMarkdown(report.profile));
  }
  return out.join('\n');
}

function targetsOf(report: Omit<Report, 'targets'>): Report['targets'] {
  const asimd = report.contenders[0];
  const targets: Report['targets'] = [];
  targets.push({
    target: `messages/s ≥ ${RATIO_TARGET.toFixed(2)}× the peer's (Node ${nodeMajor})`,
    measured: report.ratio === undefined ? 'no peer' : `${report.ratio.toFixed(2)}×`,
    met: report.ratio === undefined ? undefined : report.ratio >= RATIO_TARGET,
  });
  const cpu = asimd?.max?.cpuSecondsPerMillion;
  targets.push({ target: `≤ ${CPU_TARGET} CPU-seconds per million messages`, measured: num(cpu, 2), met: cpu === undefined ? undefined : cpu <= CPU_TARGET });
  const rss = [asimd?.max?.peakRssMiB, asimd?.latency?.peakRssMiB, asimd?.overload?.peakRssMiB].filter((v): v is number => v !== undefined);
  const peak = rss.length ? Math.max(...rss) : undefined;
  targets.push({ target: `peak RSS ≤ ${S.rssBudgetMiB} MiB, also in the overload run`, measured: `${num(peak)} MiB`, met: peak === undefined ? undefined : peak <= S.rssBudgetMiB });
  const p99 = asimd?.latency?.p99Ms;
  targets.push({ target: `p99 ≤ ${P99_TARGET_MS} ms at half the maximum rate`, measured: `${num(p99)} ms`, met: p99 === undefined ? undefined : p99 <= P99_TARGET_MS });
  const overload = asimd?.overload;
  targets.push({
    target: 'overload: nothing lost, senders paused',
    measured: overload ? `${fmt(overload.lost)} lost of ${fmt(overload.sent)}, paused ${num(overload.pausedPercent)} %` : '–',
    met: overload === undefined ? undefined : overload.lost === 0 && overload.problems.length === 0,
  });
  const ct = report.cloudTrail?.recordsPerSec;
  targets.push({ target: `CloudTrail ≥ ${fmt(CLOUDTRAIL_TARGET)} records/s into raw + ASIM rows`, measured: num(ct), met: ct === undefined ? undefined : ct >= CLOUDTRAIL_TARGET });
  return targets;
}

function gitDirty(): boolean {
  try {
    return execFileSync('git', ['status', '--porcelain', '--', 'src', 'parsers', 'bench', 'package.json', ':!bench/results'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------
// Main

const work = mkdtempSync(join(tmpdir(), 'asimd-bench-run-'));
const environment: Report['environment'] = {
  node: process.version,
  cpu: cpus()[0]?.model ?? 'cpu',
  cores: cpus().length,
  commit: commit(),
  dirty: gitDirty(),
  date: new Date().toISOString().slice(0, 19).replace('T', ' ') + ' UTC',
  mode: quick ? 'quick' : 'full',
};
log(`node ${environment.node}, ${environment.cpu} × ${environment.cores}, commit ${environment.commit}; ${quick ? 'quick' : 'full'} run`);

const contenders: Contender[] = [asimdContender(asimdExtra)];
const wanted = options.peer ?? [];
if (!wanted.includes('none')) {
  for (const spec of peerSpecs()) {
    if (wanted.length > 0 && !wanted.includes(spec.name)) continue;
    const peer = peerContender(spec, !options['no-install'], log);
    if (typeof peer === 'string') log(`skipping peer: ${peer}`);
    else contenders.push(peer);
  }
}
log(`contenders: ${contenders.map((c) => c.version).join('; ')}`);

log(`generating ${fmt(S.messages)} lines`);
const workload = generateWorkload(S.messages, Date.now() - 300_000);
const workloadFile = join(work, 'workload.log');
writeWorkload(workload, workloadFile);
const sample = workload.data.subarray(0, Math.min(workload.data.length, 8 << 20));
const gzipRatio = sample.length / gzipSync(sample, { level: 1 }).length;

const sink = await startCountingSink(work);
const target: SinkTarget = { url: sink.url, caFile: sink.caFile, auth: { type: 'static-token', token: TOKEN } };
const results: ContenderResult[] = contenders.map((c) => ({ name: c.name, version: c.version, gzip: c.gzip, runs: [], max: undefined, latency: undefined, overload: undefined, error: undefined, medianOf: undefined }));
let profile: ProfileSummary | undefined;
let emulator: EmulatorRun | undefined;
let cloudTrail: CloudTrailRun | undefined;
let formats: FormatRate[] = [];
try {
  // A run is clean when other work on the machine kept fewer than CLEAN_LOAD cores busy during it. A full run
  // goes on (up to three times the rounds) running the contenders that still lack S.rounds clean runs;
  // medians are over the clean runs when every contender has one.
  const cleanRuns = (result: ContenderResult): number => result.runs.filter((run) => run.outsideLoadCores <= CLEAN_LOAD).length;
  for (let round = 0; round < S.rounds * (quick ? 1 : 3); round++) {
    // Alternate the order, so neither always runs on a warmer (or busier) machine.
    const order = contenders.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    const pending = order.filter((i) => {
      const result = results[i] as ContenderResult;
      return result.error === undefined && (round < S.rounds || cleanRuns(result) < S.rounds);
    });
    if (pending.length === 0) break;
    for (const i of pending) {
      const contender = contenders[i] as Contender;
      const result = results[i] as ContenderResult;
      try {
        const run = await maxRun(contender, sink, target, workload);
        result.runs.push(run);
        log(`${contender.name} round ${round + 1}: ${fmt(run.msgsPerSec)} msgs/s, ${run.cpuSecondsPerMillion.toFixed(2)} CPU-s/M, peak RSS ${run.peakRssMiB.toFixed(0)} MiB, other load ${run.outsideLoadCores.toFixed(1)} cores${run.problems.length ? `; ${run.problems.join('; ')}` : ''}`);
      } catch (err) {
        result.error = err instanceof Error ? err.message : String(err);
        log(`${contender.name}: ${result.error}`);
      }
    }
  }
  const useClean = results.every((result) => result.error !== undefined || result.runs.some((run) => run.outsideLoadCores <= CLEAN_LOAD));
  for (const result of results) {
    const runs = useClean ? result.runs.filter((run) => run.outsideLoadCores <= CLEAN_LOAD) : result.runs;
    if (runs.length === 0) continue;
    result.medianOf = useClean ? 'clean runs' : 'all runs (not every contender had a clean one)';
    // The run with the median rate, with the median CPU cost, and the highest peak RSS of all runs.
    const middle = median(runs.map((r) => r.msgsPerSec));
    const run = runs.find((r) => r.msgsPerSec === middle) ?? runs[0];
    if (run === undefined) continue;
    result.max = {
      ...run,
      steadyMsgsPerSec: median(runs.map((r) => r.steadyMsgsPerSec)),
      cpuSecondsPerMillion: median(runs.map((r) => r.cpuSecondsPerMillion)),
      mainThreadCpuSecondsPerMillion: median(runs.map((r) => r.mainThreadCpuSecondsPerMillion)),
      peakRssMiB: Math.max(...result.runs.map((r) => r.peakRssMiB)),
    };
  }

  if (options['cpu-prof']) {
    const profileDir = mkdtempSync(join(tmpdir(), 'asimd-bench-profile-'));
    log('profiling asimd in one more syslog run');
    await maxRun(contenders[0] as Contender, sink, target, workload, profileDir);
    profile = summarizeProfiles(profileDir, 20);
    log(`profiles kept in ${profileDir}`);
  }

  for (const [kind, factor, seconds] of [
    ['latency', 0.5, S.latencySeconds],
    ['overload', 2, S.overloadSeconds],
  ] as const) {
    if (skip.has(kind)) continue;
    for (let i = 0; i < contenders.length; i++) {
      const result = results[i] as ContenderResult;
      // Rates relative to the steady-state maximum: the end-to-end rate includes start-up and the last batch's wait.
      const steady = result.max?.steadyMsgsPerSec ?? Number.NaN;
      if (!Number.isFinite(steady)) continue;
      const perSecond = Math.round(steady * factor);
      log(`${result.name} ${kind}: ${fmt(perSecond)} msgs/s for ${seconds} s`);
      try {
        const run = await rateRun(contenders[i] as Contender, sink, target, workload, perSecond, seconds);
        result[kind] = run;
        log(
          `${result.name} ${kind}: sent ${fmt(run.sentPerSec)} msgs/s, p50 ${num(run.p50Ms)} ms, p99 ${num(run.p99Ms)} ms, paused ${num(run.pausedPercent)} %, peak RSS ${num(run.peakRssMiB)} MiB, lost ${run.lost}`,
        );
      } catch (err) {
        log(`${result.name} ${kind}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  if (!skip.has('emulator')) {
    log(`asimd → emulator: ${fmt(Math.min(S.emulatorMessages, workload.count))} messages`);
    emulator = await emulatorRun(workload);
    log(`asimd → emulator: ${fmt(emulator.msgsPerSec)} msgs/s${emulator.problems.length ? `; ${emulator.problems.join('; ')}` : ''}`);
  }
  if (!skip.has('cloudtrail')) {
    log(`CloudTrail over HTTP for ${S.cloudTrailSeconds} s`);
    cloudTrail = await cloudTrailRun(sink, target);
    log(`CloudTrail: ${fmt(cloudTrail.recordsPerSec)} records/s`);
  }
  if (!skip.has('parse')) {
    log('parse-only rates per format');
    formats = await formatRates(workload);
  }
} finally {
  await sink.stop();
}

const asimdMax = results[0]?.max?.msgsPerSec;
const peerMax = results[1]?.max?.msgsPerSec;
const partial: Omit<Report, 'targets'> = {
  environment,
  settings: { ...S, asimdConfig: asimdExtra },
  workload: { messages: workload.count, avgBytes: workload.data.length / workload.count, gzipLevel1Ratio: gzipRatio, mix: workload.kinds, file: workloadFile },
  contenders: results,
  ratio: asimdMax !== undefined && peerMax !== undefined && Number.isFinite(asimdMax) && Number.isFinite(peerMax) ? asimdMax / peerMax : undefined,
  emulator,
  cloudTrail,
  formats,
  profile,
};
const report: Report = { ...partial, targets: targetsOf(partial) };
const table = markdown(report);

if (!quick || options.save) {
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const base = join(dir, `${environment.date.slice(0, 10)}-node${process.versions.node}-${environment.commit}${quick ? '-quick' : ''}`);
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(`${base}.md`, `${table}\n`);
  log(`results kept in ${base}.json and .md`);
}
rmSync(work, { recursive: true, force: true, maxRetries: 2 });

if (options.json) {
  const summary = (c: ContenderResult | undefined): Record<string, unknown> | undefined =>
    c && {
      name: c.name,
      msgsPerSec: Math.round(c.max?.msgsPerSec ?? Number.NaN),
      cpuSecondsPerMillion: Number((c.max?.cpuSecondsPerMillion ?? Number.NaN).toFixed(2)),
      peakRssMB: Math.round(Math.max(c.max?.peakRssMiB ?? 0, c.latency?.peakRssMiB ?? 0, c.overload?.peakRssMiB ?? 0)),
      steadyMsgsPerSec: Math.round(c.max?.steadyMsgsPerSec ?? Number.NaN),
      p50Ms: c.latency?.p50Ms,
      p99Ms: c.latency?.p99Ms,
      mbPerSec: Number((c.max?.mbPerSec ?? Number.NaN).toFixed(1)),
      gzip: c.gzip,
      overload: c.overload && { sentPerSec: Math.round(c.overload.sentPerSec), pausedPercent: Math.round(c.overload.pausedPercent), peakRssMB: Math.round(c.overload.peakRssMiB), lost: c.overload.lost },
      version: c.version,
      ...(c.error ? { error: c.error } : {}),
    };
  const asimd = summary(results[0]);
  if (asimd) delete asimd['name'];
  console.log(
    JSON.stringify({
      asimd,
      peer: summary(results[1]),
      ratio: report.ratio === undefined ? null : Number(report.ratio.toFixed(3)),
      cloudTrailRecordsPerSec: cloudTrail ? Math.round(cloudTrail.recordsPerSec) : undefined,
      emulatorMsgsPerSec: emulator ? Math.round(emulator.msgsPerSec) : undefined,
      parsePerSec: Object.fromEntries(formats.map((f) => [f.kind, Math.round(f.parsePerSec)])),
      targets: Object.fromEntries(report.targets.map((t) => [t.target, t.met ?? null])),
      environment: { ...environment, seconds: Math.round((Date.now() - began) / 1000) },
    }),
  );
} else {
  console.log(table);
}
