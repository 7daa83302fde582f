import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import t from 'tap';
import { startAgent, testConfig, waitFor } from '../helpers/agent-process.ts';

/*
 * The "must show", against the default config's path (in-process
 * emulator behind the Logs Ingestion sink, so every row is also checked
 * against the DCR's stream declarations): RFC 5424 with escaped structured
 * data, RFC 3164 without a year, CEF, sshd and sudo lines, and a binary UDP
 * datagram, each landing with the right columns in Syslog, CommonSecurityLog
 * and ASimAuthenticationEventLogs.
 */

const agent = await startAgent(testConfig({ emulator: { enabled: true, port: 0 }, sink: { type: 'azure-logs-ingestion' } }));
t.teardown(() => agent.stop('SIGKILL'));
const rows = (stream: string): Array<Record<string, unknown>> => agent.rowsIn('data/emulator', stream);
const year = new Date().getUTCFullYear();

const socket = connect(agent.tcpPort, '127.0.0.1');
await new Promise((resolve) => socket.once('connect', resolve));
const LINES = [
  '<165>1 2026-11-28T10:11:12.345+02:00 web01.example.com nginx 812 ID47 [exampleSDID@32473 iut="3" eventSource="App\\"lication" note="a\\\\b\\]c"][origin ip="192.0.2.1"] structured hello',
  '<38>Nov 28 09:15:02 fileserver kernel: no year here',
  '<134>Nov 28 09:16:00 fw01 CEF:0|Check Point|VPN-1 & FireWall-1|R81|10|Accept|3|src=10.0.0.5 dst=198.51.100.7 spt=51515 dpt=443 proto=TCP act=accept cs1Label=Rule Name cs1=Allow web msg=user said \\= hi',
  '<38>Nov 28 09:17:01 bastion sshd[4242]: Accepted password for alice from 203.0.113.10 port 52144 ssh2',
  '<38>Nov 28 09:17:05 bastion sshd[4243]: Invalid user admin from 198.51.100.23 port 40022',
  '<38>Nov 28 09:17:09 bastion sshd[4244]: Failed password for root from 198.51.100.23 port 40023 ssh2',
  '<85>Nov 28 09:18:00 bastion sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/systemctl restart nginx',
];
socket.end(`${LINES.join('\n')}\n`);

const udp = createSocket('udp4');
const binary = Buffer.from([0x3c, 0x31, 0x33, 0x3e, 0x00, 0x01, 0xff, 0xfe, 0x62, 0x69, 0x6e, 0xc3, 0x28, 0x0a]);
await new Promise<void>((resolve, reject) => udp.send(binary, agent.udpPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())));
udp.close();

await waitFor(() => (rows('Custom-Syslog').length >= 7 && rows('Custom-CommonSecurityLog').length >= 1 && rows('Custom-ASimAuthenticationEventLogs').length >= 4 ? true : undefined), 8000, 'every row at the emulator');
const syslog = rows('Custom-Syslog');
const find = (pattern: RegExp): Record<string, unknown> | undefined => syslog.find((row) => pattern.test(String(row['SyslogMessage'])));

void t.test('RFC 5424 with escaped structured data keeps the instant and the fields', async (t) => {
  t.match(find(/structured hello/), {
    TimeGenerated: '2026-11-28T08:11:12.345Z',
    EventTime: '2026-11-28T08:11:12.345Z',
    HostName: 'web01.example.com',
    Computer: 'web01.example.com',
    ProcessName: 'nginx',
    ProcessID: 812,
    Facility: 'local4',
    SeverityLevel: 'notice',
  });
});

void t.test('RFC 3164 without a year gets the receive year', async (t) => {
  const row = find(/no year here/);
  t.match(row, { HostName: 'fileserver', ProcessName: 'kernel', Facility: 'auth', SeverityLevel: 'info' });
  t.match(String(row?.['TimeGenerated']), new RegExp(`^(${year}|${year - 1})-11-28T09:15:02`));
});

void t.test('CEF goes to CommonSecurityLog (not Syslog) with mapped columns', async (t) => {
  const [cef] = rows('Custom-CommonSecurityLog');
  t.match(cef, {
    DeviceVendor: 'Check Point',
    DeviceProduct: 'VPN-1 & FireWall-1',
    DeviceVersion: 'R81',
    DeviceEventClassID: '10',
    Activity: 'Accept',
    LogSeverity: '3',
    SourceIP: '10.0.0.5',
    DestinationIP: '198.51.100.7',
    SourcePort: 51515,
    DestinationPort: 443,
    DeviceCustomString1: 'Allow web',
    DeviceCustomString1Label: 'Rule Name',
    Computer: 'fw01',
  });
  t.notOk(find(/CEF:0/), 'no Syslog row for the CEF message by default');
});

void t.test('sshd and sudo lines are Syslog rows and ASIM Authentication rows', async (t) => {
  const auth = rows('Custom-ASimAuthenticationEventLogs');
  t.equal(auth.length, 4);
  const by = (pattern: RegExp): Record<string, unknown> | undefined => auth.find((row) => pattern.test(JSON.stringify(row)));
  t.match(by(/alice.*203\.0\.113\.10|203\.0\.113\.10.*alice/), { EventSchema: 'Authentication', EventResult: 'Success', TargetUsername: 'alice', SrcIpAddr: '203.0.113.10', DvcHostname: 'bastion' });
  t.match(by(/admin/), { EventResult: 'Failure', TargetUsername: 'admin', SrcIpAddr: '198.51.100.23' });
  t.match(by(/root.*40023|40023.*root/), { EventResult: 'Failure', TargetUsername: 'root' });
  t.match(by(/sudo/i), { EventSchema: 'Authentication', EventProduct: /sudo/i });
  for (const row of auth) t.match(row, { EventSchemaVersion: String, EventVendor: String, EventType: String, TimeGenerated: /^\d{4}-/ });
  t.ok(find(/Accepted password for alice/), 'the Syslog row is still there');
});

void t.test('a binary UDP datagram lands, its bad bytes replaced visibly and flagged', async (t) => {
  const row = syslog.find((r) => String(r['SyslogMessage']).startsWith('\u0000\u0001'));
  t.ok(row, 'landed');
  t.match(String(row?.['SyslogMessage']), /\uFFFD/, 'U+FFFD in place of invalid bytes');
  t.match(String(row?.['AsimdFlags']), /invalid_utf8/);
  t.equal(await agent.metric('asimd_messages_invalid_utf8_total', { source: 'syslog_udp' }), 1);
  t.equal(await agent.metric('asimd_messages_dropped_total'), 0, 'nothing dropped');
  t.equal(await agent.stop(), 0);
});
