import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import t from 'tap';
import { startAgent, testConfig, waitFor } from '../helpers/agent-process.ts';

/*
 * Per-listener policy, end to end: time zone, filters, outputs and allowed
 * networks set for the source and overridden by a listener.
 */

const agent = await startAgent(
  testConfig({
    sources: {
      syslog: {
        timeZone: 'Europe/Berlin',
        filters: { minimumSeverity: 'info' },
        outputs: { cefToSyslog: true },
        tcp: { filters: { facilities: ['auth', 'authpriv', 'local0'] }, outputs: { asimAuthentication: false } },
        udp: { allowedNetworks: ['10.0.0.0/8'] },
      },
    },
  }),
);
t.teardown(() => agent.stop('SIGKILL'));

const socket = connect(agent.tcpPort, '127.0.0.1');
await new Promise((resolve) => socket.once('connect', resolve));
socket.end(
  [
    '<38>Jul  4 12:00:00 host app: summer time in Berlin',
    '<39>Jul  4 12:00:01 host app: debug is below the minimum severity',
    '<14>Jul  4 12:00:02 host app: facility user is not kept on TCP',
    '<38>Jul  4 12:00:03 host sshd[7]: Accepted password for bob from 192.0.2.4 port 2222 ssh2',
    '<134>Jul  4 12:00:04 host CEF:0|Acme|Gate|1.0|100|Allowed|2|src=192.0.2.9',
  ].join('\n') + '\n',
);
const udp = createSocket('udp4');
await new Promise<void>((resolve, reject) => udp.send('<38>Jul  4 12:00:05 host app: from a refused network', agent.udpPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
udp.close();

const rows = await waitFor(() => {
  const found = agent.rows();
  return found.length >= 3 ? found : undefined;
}, 3000, 'the kept rows');

void t.test('the source time zone applies to RFC 3164 timestamps (with DST)', async (t) => {
  const row = rows.find((r) => r['SyslogMessage'] === 'summer time in Berlin');
  t.match(row?.['TimeGenerated'], /-07-04T10:00:00\.000Z$/, '12:00 CEST is 10:00 UTC');
});

void t.test('filters: minimum severity from the source, facilities from the TCP override', async (t) => {
  t.notOk(rows.some((r) => String(r['SyslogMessage']).includes('debug is below')), 'debug filtered');
  t.notOk(rows.some((r) => String(r['SyslogMessage']).includes('facility user')), 'user facility filtered on TCP');
  t.equal(await agent.metric('asimd_messages_filtered_total', { source: 'syslog_tcp', reason: 'severity' }), 1);
  t.equal(await agent.metric('asimd_messages_filtered_total', { source: 'syslog_tcp', reason: 'facility' }), 1);
});

void t.test('outputs: CEF also as Syslog from the source; no ASIM rows on TCP from the override', async (t) => {
  t.ok(rows.some((r) => String(r['SyslogMessage']).startsWith('CEF:0|Acme')) || rows.some((r) => r['ProcessName'] === 'CEF'), 'a Syslog row for the CEF message');
  await waitFor(() => (agent.rows('Custom-CommonSecurityLog').length === 1 ? true : undefined), 3000, 'the CommonSecurityLog row');
  t.ok(rows.some((r) => r['ProcessName'] === 'sshd'), 'the sshd Syslog row');
  t.same(agent.rows('Custom-ASimAuthenticationEventLogs'), [], 'no ASIM Authentication rows');
});

void t.test('allowedNetworks on UDP: a sender outside them is dropped and counted', async (t) => {
  await waitFor(async () => ((await agent.metric('asimd_messages_dropped_total', { source: 'syslog_udp', reason: 'sender_not_allowed' })) === 1 ? true : undefined), 3000, 'the counted drop');
  t.notOk(agent.rows().some((r) => String(r['SyslogMessage']).includes('refused network')));
  t.equal(await agent.stop(), 0);
});
