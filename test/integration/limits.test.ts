import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import t from 'tap';
import { startAgent, testConfig, waitFor } from '../helpers/agent-process.ts';

const MiB = 1024 * 1024;

function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  return new Promise((resolve) => socket.once('connect', () => resolve(socket)));
}

const closed = (socket: Socket): Promise<void> => new Promise((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve())));

void t.test('connections beyond tcp.maxConnections are closed and counted', async (t) => {
  const agent = await startAgent(testConfig({ sources: { syslog: { tcp: { maxConnections: 2 } } } }));
  t.teardown(() => agent.stop('SIGKILL'));
  const first = await open(agent.tcpPort);
  const second = await open(agent.tcpPort);
  await waitFor(async () => ((await agent.metric('asimd_tcp_connections')) === 2 ? true : undefined), 2000, 'two connections');
  const third = await open(agent.tcpPort);
  await closed(third);
  t.pass('the third connection was closed by the agent');
  t.equal(await agent.metric('asimd_tcp_connections_rejected_total', { reason: 'max_connections' }), 1);
  first.end('<13>1 - h a - - - still works\n');
  await waitFor(() => agent.rows().find((row) => row['SyslogMessage'] === 'still works'), 2000, 'a row from an admitted connection');
  second.destroy();
  t.equal(await agent.stop(), 0);
});

void t.test('an idle connection is closed after tcp.idleTimeoutMs and counted', async (t) => {
  const agent = await startAgent(testConfig({ sources: { syslog: { tcp: { idleTimeoutMs: 300 } } } }));
  t.teardown(() => agent.stop('SIGKILL'));
  const socket = await open(agent.tcpPort);
  socket.write('<13>1 - h a - - - before idling\n');
  await closed(socket);
  t.equal(await agent.metric('asimd_tcp_connections_rejected_total', { reason: 'idle_timeout' }), 1);
  await waitFor(() => agent.rows().find((row) => row['SyslogMessage'] === 'before idling'), 2000, 'the message sent before idling');
  t.equal(await agent.stop(), 0);
});

void t.test('UDP datagrams are dropped and counted as queue_full when the queue is full', async (t) => {
  const agent = await startAgent(
    testConfig({
      sink: { type: 'stdout' },
      pipeline: { queueBytes: 1 * MiB, outputBytes: 2 * MiB, taskBytes: 64 * 1024 },
      batch: { maxBytes: 256 * 1024, maxAgeMs: 20 },
      // The memory budgets alone: with the journal, the blocked sink's backlog would go to disk instead.
      journal: { enabled: false },
    }),
    { stdout: 'pipe' },
  );
  t.teardown(() => agent.stop('SIGKILL'));
  agent.process.stdout?.pause();
  const socket = createSocket('udp4');
  const datagram = Buffer.from(`<13>1 2026-11-28T10:00:00Z h a - - - ${'u'.repeat(900)}`);
  // 20 MiB against 3 MiB of budgets; paced so the kernel buffer does not overflow first.
  for (let i = 0; i < 20_000; i++) {
    await new Promise<void>((resolve, reject) => socket.send(datagram, agent.udpPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
    if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  socket.close();
  const dropped = await waitFor(async () => {
    const value = await agent.metric('asimd_messages_dropped_total', { source: 'syslog_udp', reason: 'queue_full' });
    return value > 0 ? value : undefined;
  }, 5000, 'queue_full drops');
  const received = await agent.metric('asimd_messages_received_total', { source: 'syslog_udp' });
  t.ok(dropped > 0, `${dropped} datagrams dropped with reason queue_full`);
  t.ok(received > 0, `${received} datagrams accepted`);
  t.ok(received + dropped <= 20_000, 'accepted + dropped never exceeds what was sent');
  t.ok(received * datagram.length < 8 * MiB, 'the accepted part is bounded by the budgets');
});
