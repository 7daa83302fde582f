import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import t, { type Test } from 'tap';
import { emulatorConfig, startEmulator, type RunningEmulator } from '../../src/emulator/index.ts';
import { startAgent, testConfig, waitFor, type RunningAgent } from '../helpers/agent-process.ts';

/*
 * The journal with a real agent and the emulator: batches journaled while the
 * service is down survive a SIGKILL and are delivered by the next start; a long
 * outage fills the disk, not the memory; at its cap each whenFull policy does
 * what it says, and a disk that fills up first is handled like the cap.
 */

const MiB = 1024 * 1024;

const REPO = new URL('../../', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'asimd-journal-it-'));
const journalDirectory = join(dir, 'journal');
const logger = pino({ level: 'silent' });
const config = emulatorConfig({ port: 0, dataDirectory: join(dir, 'emulator') });

void t.test('SIGKILL with the service down, restart with it up: every journaled row lands', async (t) => {
  let emulator = await startEmulator(config, { logger, baseDirectory: REPO });
  const port = emulator.port;
  const url = emulator.url;
  const certificateFile = emulator.certificateFile;
  await emulator.close();

  const agentConfig = testConfig({
    journal: { enabled: true, directory: journalDirectory, fsync: 'batch' },
    sink: {
      type: 'azure-logs-ingestion',
      azure: {
        targets: [{ endpoint: url, dcrImmutableId: 'dcr-00000000000000000000000000000000' }],
        auth: { type: 'static-token', token: 'journal-test-token' },
        caFile: certificateFile,
      },
    },
    delivery: { maxRetryDelayMs: 300 },
  });
  const first = await startAgent(agentConfig);
  t.teardown(() => first.stop('SIGKILL'));
  const socket = connect(first.tcpPort, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  for (let i = 0; i < 200; i++) socket.write(`<13>1 - host app - - - journaled ${i}\n`);
  socket.end();
  await waitFor(async () => ((await first.metric('asimd_journal_bytes')) > 0 && (await first.metric('asimd_sink_retries_total')) > 0 ? true : undefined), 5000, 'batches journaled while the service is down');
  t.equal(await first.metric('asimd_messages_received_total'), 200, 'all 200 accepted');
  first.process.kill('SIGKILL');
  await first.exited;

  emulator = await startEmulator({ ...config, port, staticTokens: ['journal-test-token'] }, { logger, baseDirectory: REPO });
  t.teardown(() => emulator.close());
  const second = await startAgent(agentConfig);
  t.teardown(() => second.stop('SIGKILL'));
  const rows = await waitFor(() => {
    const found = emulator.rows('Custom-Syslog');
    return found.length >= 200 ? found : undefined;
  }, 10_000, 'the 200 journaled rows after the restart');
  const distinct = new Set(rows.map((row) => row['SyslogMessage']));
  t.equal(distinct.size, 200, 'every row, at least once');
  t.comment(`${rows.length - distinct.size} duplicates`);
  t.ok((await second.metric('asimd_journal_replayed_batches_total')) >= 1, 'replayed from the journal');
  await waitFor(async () => ((await second.metric('asimd_journal_bytes')) === 0 ? true : undefined), 5000, 'the journal emptied once delivered');
  t.equal(await second.stop(), 0);
});

/** An emulator that can be taken down and brought back on the same port, like the real service during an outage. */
async function outageEmulator(t: Test, name: string): Promise<{ up(): Promise<RunningEmulator>; down(): Promise<void>; current(): RunningEmulator | undefined; sink: Record<string, unknown> }> {
  const settings = emulatorConfig({ port: 0, dataDirectory: join(dir, name), staticTokens: ['journal-test-token'] });
  let emulator: RunningEmulator | undefined = await startEmulator(settings, { logger, baseDirectory: REPO });
  const port = emulator.port;
  const sink = {
    type: 'azure-logs-ingestion',
    azure: {
      targets: [{ endpoint: emulator.url, dcrImmutableId: 'dcr-00000000000000000000000000000000' }],
      auth: { type: 'static-token', token: 'journal-test-token' },
      caFile: emulator.certificateFile,
    },
  };
  t.teardown(() => emulator?.close());
  return {
    sink,
    current: () => emulator,
    async up() {
      emulator = await startEmulator({ ...settings, port }, { logger, baseDirectory: REPO });
      return emulator;
    },
    async down() {
      await emulator?.close();
      emulator = undefined;
    },
  };
}

/** Starts an agent shipping to `service` with the overrides, and connects a TCP sender to it. */
async function agentWithSender(
  t: Test,
  service: { sink: Record<string, unknown> },
  overrides: Record<string, unknown>,
): Promise<{ agent: RunningAgent; socket: Socket; config: Record<string, unknown> }> {
  const config = testConfig({ sink: service.sink, delivery: { maxRetryDelayMs: 200 }, ...overrides });
  const agent = await startAgent(config);
  t.teardown(() => agent.stop('SIGKILL'));
  const socket = connect(agent.tcpPort, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  return { agent, socket, config };
}

function rssBytes(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

const line = (run: string, seq: number): string => `<13>1 2026-11-28T10:00:00.000Z host app - - - ${run} seq=${String(seq).padStart(8, '0')} ${'x'.repeat(120)}\n`;

/** Sends `perTick` lines every 50 ms while the socket keeps up; counts what it wrote. */
function paced(socket: Socket, run: string, perTick: number): { sent(): number; stop(): void } {
  let sent = 0;
  const timer = setInterval(() => {
    if (socket.writableNeedDrain) return;
    let chunk = '';
    for (let i = 0; i < perTick; i++) chunk += line(run, sent++);
    socket.write(chunk);
  }, 50);
  return { sent: () => sent, stop: () => clearInterval(timer) };
}

const seqOf = (row: Record<string, unknown>): number => Number(/seq=(\d+)/.exec(String(row['SyslogMessage']))?.[1] ?? -1);

void t.test('a long outage (time-compressed) fills the journal, not the memory; everything lands once the service is back', async (t) => {
  const service = await outageEmulator(t, 'outage');
  await service.down();
  const { agent, socket } = await agentWithSender(t, service, {
    journal: { enabled: true, directory: join(dir, 'outage-journal'), fsync: 'interval', fsyncIntervalMs: 200, segmentBytes: 4 * MiB },
    pipeline: { outputBytes: 4 * MiB },
  });
  const pid = agent.process.pid ?? 0;
  const sender = paced(socket, 'outage', 400);
  const samples: number[] = [];
  for (let second = 0; second < 16; second++) {
    await sleep(1000);
    samples.push(rssBytes(pid));
  }
  sender.stop();
  const sent = sender.sent();
  const journaled = await agent.metric('asimd_journal_bytes');
  t.ok(journaled > 16 * MiB, `the backlog went to disk: ${(journaled / MiB).toFixed(0)} MiB journaled for ${sent} lines`);
  // After warm-up (the first 4 s) the agent must not grow with the backlog: the
  // last 6 s peak no higher than the 6 s before them (a leak of a few MB/s would).
  const settled = samples.slice(4);
  const growth = Math.max(...settled.slice(6)) - Math.max(...settled.slice(0, 6));
  t.ok(growth < 8 * MiB, `RSS flat during the outage: ${settled.map((bytes) => (bytes / MiB).toFixed(0)).join(', ')} MiB (later peak ${(growth / MiB).toFixed(0)} MiB above the earlier one)`);
  t.equal(await agent.metric('asimd_tcp_paused_connections'), 0, 'the sender was never paused: the journal had room');

  const emulator = await service.up();
  const rows = await waitFor(() => {
    const found = emulator.rows('Custom-Syslog');
    return new Set(found.map(seqOf)).size >= sent ? found : undefined;
  }, 90_000, `all ${sent} lines delivered after the outage`);
  t.equal(new Set(rows.map(seqOf)).size, sent, 'every line sent during the outage landed');
  t.comment(`${rows.length - sent} duplicates; peak RSS after the outage ${(rssBytes(pid) / MiB).toFixed(0)} MiB`);
  await waitFor(async () => ((await agent.metric('asimd_journal_bytes')) === 0 ? true : undefined), 10_000, 'the journal emptied');
  t.equal(await agent.metric('asimd_messages_dropped_total'), 0, 'nothing dropped');
  socket.destroy();
  t.equal(await agent.stop(), 0);
});

void t.test('journal at its cap with whenFull: drop_oldest: senders keep going, the oldest batches are dropped and counted', async (t) => {
  const service = await outageEmulator(t, 'drop-oldest');
  await service.down();
  const { agent, socket } = await agentWithSender(t, service, {
    journal: { enabled: true, directory: join(dir, 'drop-oldest-journal'), maxBytes: 4 * MiB, segmentBytes: 1 * MiB, whenFull: 'drop_oldest' },
    pipeline: { outputBytes: 2 * MiB },
    batch: { maxBytes: 256 * 1024 },
  });
  const total = 120_000;
  for (let seq = 0; seq < total; seq += 1000) {
    let chunk = '';
    for (let i = seq; i < seq + 1000; i++) chunk += line('drop', i);
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await waitFor(async () => ((await agent.metric('asimd_messages_received_total')) >= total ? true : undefined), 20_000, 'every line read: nothing paused the sender');
  const lost = await waitFor(async () => {
    const batches = await agent.metric('asimd_journal_lost_batches_total', { reason: 'drop_oldest' });
    return batches > 0 ? batches : undefined;
  }, 10_000, 'batches dropped at the cap');
  t.ok(lost > 0, `${lost} oldest batches dropped, counted with reason drop_oldest`);
  t.equal(await agent.metric('asimd_journal_append_failures_total', { reason: 'full' }), 0, 'no batch was refused');

  const emulator = await service.up();
  const rows = await waitFor(() => {
    const found = emulator.rows('Custom-Syslog');
    return found.some((row) => seqOf(row) === total - 1) ? found : undefined;
  }, 30_000, 'the newest lines delivered');
  const seqs = new Set(rows.map(seqOf));
  t.ok(seqs.has(total - 1), 'the newest line landed');
  t.ok(seqs.size < total, `the dropped ones did not: ${seqs.size} of ${total} landed`);
  socket.destroy();
  t.equal(await agent.stop(), 0);
});

const mountPoint = join(dir, 'small-disk');
mkdirSync(mountPoint, { recursive: true });
const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', mountPoint]);
const noTmpfs = mounted.status === 0 ? false : `cannot mount a tmpfs here (${mounted.stderr.toString().trim() || 'not permitted'}); journal-crash.test.ts covers ENOSPC with injected errors`;
t.teardown(() => {
  if (mounted.status === 0) spawnSync('umount', ['-l', mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
});

void t.test('a full disk under the journal pauses the senders like the cap, then recovers', { skip: noTmpfs }, async (t) => {
  const service = await outageEmulator(t, 'disk-full');
  await service.down();
  const { agent, socket } = await agentWithSender(t, service, {
    // The cap is far above what the 3 MiB disk holds: the OS says ENOSPC first.
    journal: { enabled: true, directory: join(mountPoint, 'journal'), maxBytes: 64 * MiB, segmentBytes: 1 * MiB, whenFull: 'block' },
    pipeline: { queueBytes: 1 * MiB, outputBytes: 2 * MiB },
    batch: { maxBytes: 128 * 1024 },
  });
  let sent = 0;
  let blocked = false;
  while (!blocked && sent < 400_000) {
    let chunk = '';
    for (let i = 0; i < 1000; i++) chunk += line('disk', sent++);
    if (!socket.write(chunk)) {
      blocked = !(await Promise.race([new Promise<boolean>((resolve) => socket.once('drain', () => resolve(true))), sleep(1500).then(() => false)]));
    }
  }
  t.ok(blocked, `the sender was paused after ${sent} lines`);
  t.ok((await agent.metric('asimd_journal_append_failures_total', { reason: 'disk_error' })) > 0, 'ENOSPC counted as a disk_error refusal');
  t.equal(await agent.metric('asimd_tcp_paused_connections'), 1, 'the connection is paused');
  t.equal(agent.process.exitCode, null, 'the agent is still running');

  const emulator = await service.up();
  await new Promise<void>((resolve) => socket.end(resolve));
  const rows = await waitFor(() => {
    const found = emulator.rows('Custom-Syslog');
    return new Set(found.map(seqOf)).size >= sent ? found : undefined;
  }, 60_000, `all ${sent} lines after the disk had room again`);
  t.equal(new Set(rows.map(seqOf)).size, sent, 'nothing lost');
  t.equal(await agent.metric('asimd_messages_dropped_total'), 0, 'nothing dropped');
  t.equal(await agent.stop(), 0);
});

void t.test('a corrupt middle segment and a torn tail: the restart delivers what is intact and says what it dropped', async (t) => {
  const service = await outageEmulator(t, 'corrupt');
  await service.down();
  const journalDir = join(dir, 'corrupt-journal');
  const { agent: first, socket, config } = await agentWithSender(t, service, {
    journal: { enabled: true, directory: journalDir, fsync: 'batch', segmentBytes: 64 * 1024 },
    batch: { maxBytes: 16 * 1024 },
  });
  const sent = 3000;
  for (let seq = 0; seq < sent; seq++) socket.write(line('corrupt', seq));
  socket.end();
  const segmentFiles = (): string[] => readdirSync(journalDir).filter((name) => name.endsWith('.seg')).sort();
  await waitFor(async () => ((await first.metric('asimd_messages_received_total')) === sent ? true : undefined), 15_000, 'every line read');
  let journaled = -1;
  await waitFor(async () => {
    const bytes = await first.metric('asimd_journal_bytes');
    const settled = bytes === journaled;
    journaled = bytes;
    return settled ? true : (await sleep(300), undefined);
  }, 15_000, 'every batch journaled');
  t.ok(segmentFiles().length >= 5, `${segmentFiles().length} segments`);
  first.process.kill('SIGKILL');
  await first.exited;

  const files = segmentFiles();
  const seqsIn = (name: string): number[] => [...readFileSync(join(journalDir, name), 'latin1').matchAll(/seq=(\d+)/g)].map((match) => Number(match[1]));
  const intact = [...seqsIn(files[0] ?? ''), ...seqsIn(files[2] ?? '')];
  const middle = join(journalDir, files[1] ?? '');
  const data = readFileSync(middle);
  const at = Math.floor(data.length / 2);
  data[at] = (data[at] ?? 0) ^ 0x5a;
  writeFileSync(middle, data);
  // The newest segment holding records loses its last bytes, as a write cut short by the kill would.
  const newest = files.map((name) => join(journalDir, name)).filter((path) => statSync(path).size > 8).at(-1) ?? '';
  truncateSync(newest, statSync(newest).size - 7);
  // A short record is a torn tail in the last segment; in an older one (the kill left a fresh, empty segment after it) it is corruption.
  const tailReason = newest === join(journalDir, files.at(-1) ?? '') ? 'torn_tail' : 'corrupt';

  const emulator = await service.up();
  const second = await startAgent(config, { dir: first.dir });
  t.teardown(() => second.stop('SIGKILL'));
  const dropped = second.logs.filter((log) => log.msg === 'journal: dropped a torn or corrupt record and the rest of its segment');
  t.same(dropped.map((log) => log['reason']).sort(), ['corrupt', tailReason].sort(), 'one log line per damaged segment, with the reason');
  t.ok(dropped.every((log) => typeof log['segment'] === 'string' && typeof log['offset'] === 'number' && Number(log['batches']) >= 1), 'naming the segment, the offset and the batches lost');
  t.ok((await second.metric('asimd_journal_lost_batches_total', { reason: 'corrupt' })) >= 1, 'counted: corrupt');
  t.ok((await second.metric('asimd_journal_lost_batches_total', { reason: tailReason })) >= 1, `counted: ${tailReason}`);
  await waitFor(async () => ((await second.metric('asimd_journal_bytes')) === 0 ? true : undefined), 20_000, 'the intact batches delivered');
  const seqs = new Set(emulator.rows('Custom-Syslog').map(seqOf));
  t.ok(intact.length > 0 && intact.every((seq) => seqs.has(seq)), `the segments before and after the corrupt one were delivered (${intact.length} lines)`);
  t.ok(seqs.size < sent, `what followed the damage in its segment was not: ${seqs.size} of ${sent} lines delivered`);
  t.equal(await second.stop(), 0);
});

void t.test('SIGTERM with the service down: a prompt exit 0, everything accepted journaled, delivered by the next start', async (t) => {
  const service = await outageEmulator(t, 'graceful');
  await service.down();
  const { agent: first, socket, config } = await agentWithSender(t, service, { journal: { enabled: true, directory: join(dir, 'graceful-journal') } });
  const sent = 5000;
  let chunk = '';
  for (let seq = 0; seq < sent; seq++) chunk += line('graceful', seq);
  await new Promise<void>((resolve) => socket.end(chunk, resolve));
  await waitFor(async () => ((await first.metric('asimd_messages_received_total')) === sent ? true : undefined), 10_000, 'every line read');
  const stopping = Date.now();
  t.equal(await first.stop('SIGTERM'), 0, 'exit 0: nothing accepted is lost');
  t.ok(Date.now() - stopping < 5000, `without waiting for the service (${Date.now() - stopping} ms)`);
  const stopped = first.logs.find((log) => log.msg === 'asimd stopped');
  t.ok(stopped?.['drained'] === true && Number(stopped['journaledBatches']) >= 1, `drained, ${String(stopped?.['journaledBatches'])} batches left in the journal for the next start`);

  const emulator = await service.up();
  const second = await startAgent(config, { dir: first.dir });
  t.teardown(() => second.stop('SIGKILL'));
  const rows = await waitFor(() => {
    const found = emulator.rows('Custom-Syslog');
    return new Set(found.map(seqOf)).size >= sent ? found : undefined;
  }, 20_000, `all ${sent} lines after the restart`);
  t.equal(new Set(rows.map(seqOf)).size, sent, 'every accepted line delivered');
  t.equal(await second.stop(), 0);
});
