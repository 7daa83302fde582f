import { execFileSync, spawnSync } from 'node:child_process';
import t from 'tap';
import { startAgent, testConfig, waitFor } from '../helpers/agent-process.ts';

/*
 * The README's first promise: util-linux logger over UDP, TCP with LF framing
 * and TCP with octet counting each produce a Syslog row within 2 s, with the
 * facility and severity names Sentinel uses.
 */

const hasLogger = spawnSync('logger', ['--version']).status === 0;

const SENDS = [
  { transport: 'udp', flags: ['--udp', '--rfc5424'], priority: 'auth.warning', facility: 'auth', severity: 'warning' },
  { transport: 'tcp-lf', flags: ['--tcp', '--rfc5424'], priority: 'local3.err', facility: 'local3', severity: 'err' },
  { transport: 'tcp-octet', flags: ['--tcp', '--octet-count', '--rfc5424'], priority: 'daemon.crit', facility: 'daemon', severity: 'crit' },
  { transport: 'udp-rfc3164', flags: ['--udp', '--rfc3164'], priority: 'authpriv.info', facility: 'authpriv', severity: 'info' },
  { transport: 'tcp-rfc3164', flags: ['--tcp', '--rfc3164'], priority: 'mail.debug', facility: 'mail', severity: 'debug' },
] as const;

void t.test('util-linux logger to the running agent', { skip: hasLogger ? false : 'util-linux logger is not installed (apt-get install bsdutils)' }, async (t) => {
  const agent = await startAgent(testConfig());
  t.teardown(() => agent.stop('SIGKILL'));

  for (const send of SENDS) {
    const marker = `hello from logger over ${send.transport} ${process.pid}`;
    const port = send.transport.startsWith('udp') ? agent.udpPort : agent.tcpPort;
    const sentAt = Date.now();
    execFileSync('logger', [...send.flags, '--server', '127.0.0.1', '--port', String(port), '-p', send.priority, '-t', 'asimd-test', '--id=4242', marker]);
    const row = await waitFor(() => agent.rows().find((r) => r['SyslogMessage'] === marker), 2000, `the row of ${send.transport}`);
    t.ok(Date.now() - sentAt <= 2000, `${send.transport}: row on disk within 2 s`);
    t.match(
      row,
      {
        Facility: send.facility,
        SeverityLevel: send.severity,
        ProcessName: 'asimd-test',
        ProcessID: 4242,
        HostIP: '127.0.0.1',
        SourceSystem: 'Linux',
        TimeGenerated: /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/,
      },
      `${send.transport}: Sentinel Syslog columns`,
    );
    t.type(row['Computer'], 'string');
    t.not(row['Computer'], '');
  }

  t.equal(await agent.metric('asimd_messages_received_total', { source: 'syslog_udp' }), 2, 'UDP messages counted');
  t.equal(await agent.metric('asimd_messages_received_total', { source: 'syslog_tcp' }), 3, 'TCP messages counted');
  t.equal(await agent.metric('asimd_tcp_framing_total', { method: 'octet_counting' }), 1, 'octet counting detected');
  t.equal(await agent.metric('asimd_tcp_framing_total', { method: 'lf' }), 2, 'LF framing detected');

  const health = await fetch(`http://127.0.0.1:${agent.httpPort}/healthz`);
  t.equal(health.status, 200, '/healthz');
  const ready = await fetch(`http://127.0.0.1:${agent.httpPort}/readyz`);
  t.equal(ready.status, 200, '/readyz');
  const metrics = await fetch(`http://127.0.0.1:${agent.httpPort}/metrics`);
  t.match(await metrics.text(), /asimd_rows_written_total\{sink="file",stream="Custom-Syslog"\} 5/, '/metrics counts written rows');

  t.equal(await agent.stop('SIGTERM'), 0, 'SIGTERM exits 0');
  t.ok(agent.logs.every((line) => typeof line.component === 'string'), 'every log line names its component');
});

void t.test('a datagram longer than maxMessageBytes is truncated, flagged and counted', async (t) => {
  const agent = await startAgent(testConfig({ sources: { syslog: { maxMessageBytes: 1024 } } }));
  t.teardown(() => agent.stop('SIGKILL'));
  const dgram = await import('node:dgram');
  const socket = dgram.createSocket('udp4');
  const long = `<13>1 2026-11-28T10:00:00Z host app - - - ${'x'.repeat(3000)}`;
  await new Promise<void>((resolve, reject) => socket.send(long, agent.udpPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
  socket.close();
  const row = await waitFor(() => agent.rows()[0], 2000, 'the truncated row');
  t.equal(row['AsimdFlags'], 'truncated');
  t.equal(String(row['SyslogMessage']).length, 1024 - '<13>1 2026-11-28T10:00:00Z host app - - - '.length);
  t.equal(await agent.metric('asimd_messages_truncated_total', { source: 'syslog_udp' }), 1);
  t.equal(await agent.stop(), 0);
});

void t.test('unparseable input is still a row, flagged and counted by reason', async (t) => {
  const agent = await startAgent(testConfig());
  t.teardown(() => agent.stop('SIGKILL'));
  const net = await import('node:net');
  const socket = net.connect(agent.tcpPort, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.end('<999>garbage that is not syslog\n\u0000\u0001binary junk\n');
  const rows = await waitFor(() => {
    const found = agent.rows();
    return found.length >= 2 ? found : undefined;
  }, 2000, 'two rows');
  t.equal(rows.length, 2, 'nothing dropped');
  for (const row of rows) t.match(row, { SyslogMessage: String, AsimdFlags: /\S/ }, 'flagged');
  t.ok((await agent.metric('asimd_messages_failed_total', { source: 'syslog_tcp' })) >= 2, 'counted with a reason');
  t.equal(await agent.stop(), 0);
});


