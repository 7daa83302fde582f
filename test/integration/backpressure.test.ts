import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import t from 'tap';
import { startAgent, testConfig, waitFor } from '../helpers/agent-process.ts';

/*
 * A sink that cannot keep up (here: stdout into a pipe nobody reads) must show
 * up as a TCP sender that cannot write, not as a growing agent. When the reader
 * comes back, every message the sender wrote arrives.
 */

const MiB = 1024 * 1024;

function line(seq: number): string {
  return `<13>1 2026-11-28T10:00:00.000Z bp-host bp-app - - - seq=${String(seq).padStart(8, '0')} ${'p'.repeat(150)}\n`;
}

function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** Writes lines as fast as the socket takes them, until it has been blocked for `blockedMs`. */
async function writeUntilBlocked(socket: Socket, blockedMs: number, limitBytes: number): Promise<{ lines: number; bytes: number; blocked: boolean }> {
  let lines = 0;
  let bytes = 0;
  while (bytes < limitBytes) {
    const text = line(lines);
    lines++;
    bytes += text.length;
    if (!socket.write(text)) {
      const drained = await Promise.race([
        new Promise<boolean>((resolve) => socket.once('drain', () => resolve(true))),
        sleep(blockedMs).then(() => false),
      ]);
      if (!drained) return { lines, bytes, blocked: true };
    }
  }
  return { lines, bytes, blocked: false };
}

const cases: Array<{ name: string; journal: Record<string, unknown> }> = [
  { name: 'without a journal, the output budget', journal: { enabled: false } },
  // The journal absorbs a slow sink until it reaches maxBytes; then whenFull: block pauses the sources.
  { name: 'with the journal at its size cap (whenFull: block)', journal: { enabled: true, maxBytes: 4 * MiB, segmentBytes: 1 * MiB, whenFull: 'block' } },
];

for (const { name, journal } of cases) void t.test(`a slow sink blocks TCP senders and keeps RSS bounded: ${name}`, async (t) => {
  const agent = await startAgent(
    testConfig({
      sink: { type: 'stdout' },
      pipeline: { queueBytes: 1 * MiB, outputBytes: 2 * MiB, taskBytes: 64 * 1024 },
      batch: { maxBytes: 256 * 1024, maxAgeMs: 50 },
      journal,
    }),
    { stdout: 'pipe' },
  );
  t.teardown(() => agent.stop('SIGKILL'));
  const stdout = agent.process.stdout;
  if (!stdout) throw new Error('no stdout pipe');
  stdout.pause();

  const socket = connect(agent.tcpPort, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const pid = agent.process.pid ?? 0;
  const rssBefore = rssBytes(pid);
  t.comment(`RSS before ${(rssBefore / MiB).toFixed(0)} MiB`);

  // Far more than every budget and kernel buffer together: if nothing pushed
  // back, this would all be written without blocking.
  const sent = await writeUntilBlocked(socket, 1500, 400 * MiB);
  t.ok(sent.blocked, `the sender blocked after ${(sent.bytes / MiB).toFixed(1)} MiB`);
  t.ok(sent.bytes < 100 * MiB, 'it blocked long before 100 MiB');
  t.equal(await agent.metric('asimd_tcp_paused_connections'), 1, 'the connection is paused');
  const rssBlocked = rssBytes(pid);
  t.ok(rssBlocked < 256 * MiB, `RSS while blocked is ${(rssBlocked / MiB).toFixed(0)} MiB (< 256 MiB)`);
  t.ok(rssBlocked - rssBefore < 64 * MiB, `RSS grew by ${((rssBlocked - rssBefore) / MiB).toFixed(0)} MiB (< 64 MiB)`);
  t.equal(await agent.metric('asimd_messages_dropped_total'), 0, 'nothing dropped');
  if (journal['enabled'] === true) {
    t.ok((await agent.metric('asimd_journal_append_failures_total', { reason: 'full' })) > 0, 'the journal refused batches at its cap');
    t.equal(await agent.metric('asimd_journal_lost_batches_total'), 0, 'and dropped none');
  }

  // The reader comes back: everything written arrives, in order.
  let received = '';
  let count = 0;
  stdout.setEncoding('utf8');
  stdout.on('data', (text: string) => {
    received += text;
    const last = received.lastIndexOf('\n');
    if (last === -1) return;
    for (const row of received.slice(0, last).split('\n')) {
      const expected = `seq=${String(count).padStart(8, '0')}`;
      if (!row.includes(expected)) throw new Error(`row ${count} out of order: ${row.slice(0, 200)}`);
      count++;
    }
    received = received.slice(last + 1);
  });
  stdout.resume();
  await new Promise<void>((resolve) => socket.end(resolve));
  await waitFor(() => (count >= sent.lines ? true : undefined), 30_000, `all ${sent.lines} rows on stdout (have ${count})`);
  t.equal(count, sent.lines, 'every line sent became a row');
  t.equal(await agent.stop(), 0);
});
