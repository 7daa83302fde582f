import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { startAgent, testConfig, waitFor } from '../helpers/agent-process.ts';
import { canConnect, freeLoopbackPorts, rowsNow, run, sendTcp, settled, stopChild } from '../helpers/senders.ts';

/*
 * Real senders from Debian packages against the running agent:
 *
 * - loggen (syslog-ng-core): a fixed number of messages at a bounded rate over
 *   TCP with LF framing, TCP with RFC 6587 octet counting (RFC 5424), UDP, and
 *   UDP with RFC 5424. Every message loggen says it sent is a row (TCP), or a
 *   row or a counted drop (UDP), with the fields loggen wrote.
 * - rsyslogd: a relay on loopback forwarding with omfwd over TCP, once as
 *   RFC 5424 with octet counting and once as RFC 3164-style with LF framing.
 *   What logger (and a raw socket, for a foreign hostname) hands to rsyslog
 *   arrives with its hostname, tag, pid, message, facility and severity intact.
 *
 * Each test skips, saying why, when its sender is not installed.
 */

const LOGGEN = 'loggen';
// loggen has no --version (it exits 1 on unknown options); --help exits 0.
const hasLoggen = spawnSync(LOGGEN, ['--help'], { stdio: 'ignore' }).status === 0;
const RSYSLOGD = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((path) => existsSync(path));
const hasRsyslogd = RSYSLOGD !== undefined && spawnSync(RSYSLOGD, ['-v'], { stdio: 'ignore' }).status === 0;
const hasLogger = spawnSync('logger', ['--version'], { stdio: 'ignore' }).status === 0;

/**
 * Datagrams the kernel dropped on the agent's UDP socket (the `drops` column of
 * /proc/net/udp: receive buffer full and the like). undefined when not visible.
 */
function kernelUdpDrops(port: number): number | undefined {
  let table: string;
  try {
    table = readFileSync('/proc/net/udp', 'utf8');
  } catch {
    return undefined;
  }
  const localAddress = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const line of table.split('\n').slice(1)) {
    const columns = line.trim().split(/\s+/);
    if (columns[1] === localAddress) return Number(columns[columns.length - 1]);
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// loggen
// ---------------------------------------------------------------------------

/*
 * loggen writes (see loggen_helper.c in syslog-ng), padded with "PADD" to --size
 * (default 256) and ending in LF:
 *   <38>2026-11-29T00:05:47 localhost prg00000[1234]: seq: 0000000000, thread: 0000, runid: 1795910747, stamp: 2026-11-29T00:05:47 PADDPADD…
 *   <38>1 2026-11-29T00:05:48+00:00 localhost prg00000 1234 - - BOMseq: 0000000000, thread: 0000, runid: …, stamp: 2026-11-29T00:05:48 PADD…   (--syslog-proto)
 * PRI 38 is auth.info. Both timestamps are local time: the header one without an
 * offset in the RFC 3164 style, with one in RFC 5424; `stamp:` never has one.
 * With --syslog-proto over TCP each message is octet-counted ("256 <38>1 …").
 */
const LOGGEN_MESSAGE = /^seq: (\d{10}), thread: 0000, runid: \d+ *, stamp: (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d) (?:PADD)*(?:P|PA|PAD)?$/;
const LOGGEN_COLUMNS = {
  Computer: 'localhost',
  HostName: 'localhost',
  HostIP: '127.0.0.1',
  Facility: 'auth',
  SeverityLevel: 'info',
  ProcessName: 'prg00000',
  ProcessID: 1234,
  SourceSystem: 'Linux',
} as const;

/**
 * Messages per run. loggen throttles in half-second steps (it may send a step's
 * worth at once), so 1500 messages at --rate 1000 take about a second.
 */
const COUNT = 1500;
const RATE = 1000;

interface LoggenCase {
  name: string;
  transport: 'tcp' | 'udp';
  flags: string[];
  format: 'rfc3164' | 'rfc5424';
  framing?: 'lf' | 'octet_counting';
}

const LOGGEN_CASES: LoggenCase[] = [
  { name: 'TCP, LF framing, RFC 3164 style', transport: 'tcp', flags: ['--inet', '--stream'], format: 'rfc3164', framing: 'lf' },
  {
    name: 'TCP, octet counting, RFC 5424',
    transport: 'tcp',
    flags: ['--inet', '--stream', '--syslog-proto'],
    format: 'rfc5424',
    framing: 'octet_counting',
  },
  { name: 'UDP, RFC 3164 style', transport: 'udp', flags: ['--inet', '--dgram'], format: 'rfc3164' },
  // loggen puts the octet count in front of datagrams too unless --no-framing;
  // RFC 5426 has one message per datagram and no count.
  { name: 'UDP, RFC 5424', transport: 'udp', flags: ['--inet', '--dgram', '--syslog-proto', '--no-framing'], format: 'rfc5424' },
];

/** What is wrong with one loggen row, or undefined when it is right. */
function loggenRowProblem(row: Record<string, unknown>, format: LoggenCase['format']): string | undefined {
  for (const [column, value] of Object.entries(LOGGEN_COLUMNS)) {
    if (row[column] !== value) return `${column} is ${JSON.stringify(row[column])}, expected ${JSON.stringify(value)}`;
  }
  if (row['AsimdFlags'] !== undefined) return `flagged ${JSON.stringify(row['AsimdFlags'])}`;
  const message = row['SyslogMessage'];
  const match = typeof message === 'string' ? LOGGEN_MESSAGE.exec(message) : null;
  if (!match) return `SyslogMessage ${JSON.stringify(message)} is not loggen's MSG (BOM or LF left in, or header not stripped?)`;
  const stamp = match[2] as string;
  const generated = row['TimeGenerated'];
  if (row['EventTime'] !== generated) return `EventTime ${String(row['EventTime'])} differs from TimeGenerated ${String(generated)}`;
  // RFC 3164 timestamps without an offset are read as UTC (README), so the
  // header's wall-clock time comes back with a Z. RFC 5424 ones carry loggen's
  // offset; `stamp` is the same local time, which Date.parse also reads as local.
  const expected = format === 'rfc3164' ? `${stamp}.000Z` : new Date(Date.parse(stamp)).toISOString();
  if (generated !== expected) return `TimeGenerated ${String(generated)}, expected ${expected} (stamp ${stamp})`;
  return undefined;
}

function seqOf(row: Record<string, unknown>): number {
  const match = LOGGEN_MESSAGE.exec(String(row['SyslogMessage']));
  return match ? Number(match[1]) : -1;
}

void t.test('loggen (syslog-ng) to the running agent', { skip: hasLoggen ? false : 'loggen is not installed (apt-get install syslog-ng-core)' }, async (t) => {
  for (const send of LOGGEN_CASES) {
    await t.test(send.name, async (t) => {
      const agent = await startAgent(testConfig());
      t.teardown(() => agent.stop('SIGKILL'));
      const port = send.transport === 'tcp' ? agent.tcpPort : agent.udpPort;
      const source = `syslog_${send.transport}`;

      const loggen = await run(
        t,
        LOGGEN,
        [...send.flags, '--rate', String(RATE), '--number', String(COUNT), '--interval', '8', '127.0.0.1', String(port)],
        10_000,
      );
      t.equal(loggen.code, 0, `loggen exits 0 (${loggen.output.trim().split('\n').pop() ?? ''})`);
      // The last line: "average rate = 1331.75 msg/sec, count=1000, time=…".
      const reported = /average rate = [^\n]*count=(\d+)/.exec(loggen.output);
      t.ok(reported, 'loggen reports how many it sent');
      const sent = Number(reported?.[1] ?? NaN);
      t.equal(sent, COUNT, 'loggen sent every message it was asked to');

      if (send.transport === 'tcp') {
        await settled(() => (rowsNow(agent)?.length ?? 0) >= sent, 8000, `${sent} rows`);
        const rows = agent.rows();
        t.equal(rows.length, sent, 'TCP: exactly one row per message sent, none lost or doubled');
        const outOfOrder = rows.findIndex((row, index) => seqOf(row) !== index);
        t.equal(outOfOrder, -1, 'rows keep the order of the connection (seq 0, 1, 2, …)');
        t.equal(await agent.metric('asimd_messages_received_total', { source }), sent, 'received counter');
        t.equal(await agent.metric('asimd_tcp_framing_total', { method: send.framing ?? '' }), sent, `framing detected as ${send.framing ?? ''}`);
      } else {
        // UDP cannot push back: a datagram is a row, a drop asimd counts
        // (asimd_messages_dropped_total, e.g. queue_full), or a drop the kernel
        // counts on the socket (/proc/net/udp, e.g. receive buffer full).
        const accounted = async (): Promise<{ rows: number; dropped: number; kernel: number }> => ({
          rows: rowsNow(agent)?.length ?? 0,
          dropped: await agent.metric('asimd_messages_dropped_total', { source }),
          kernel: kernelUdpDrops(port) ?? 0,
        });
        await settled(async () => {
          const now = await accounted();
          return now.rows + now.dropped + now.kernel >= sent;
        }, 8000, `${sent} datagrams accounted for`);
        if (kernelUdpDrops(port) === undefined) t.comment('the agent socket is not in /proc/net/udp: kernel drops taken as 0');
        const final = await accounted();
        t.equal(final.rows + final.dropped + final.kernel, sent, `UDP: rows + counted drops + kernel drops = sent (${JSON.stringify(final)})`);
        // About a thousand 256-byte datagrams a second over loopback fit the socket's
        // receive buffer many times over and one worker parses them far faster,
        // so nothing should be dropped at all: a drop here is worth looking at.
        t.equal(final.rows, sent, 'UDP at a modest rate on loopback: every datagram is a row');
        t.equal(await agent.metric('asimd_messages_received_total', { source }), final.rows, 'received counter matches the rows');
      }

      const rows = agent.rows();
      t.equal(await agent.metric('asimd_messages_parsed_total', { source, format: send.format }), rows.length, `all parsed as ${send.format}`);
      t.equal(await agent.metric('asimd_messages_failed_total', { source }), 0, 'no parse problems');
      const problems = rows.flatMap((row, index) => {
        const problem = loggenRowProblem(row, send.format);
        return problem === undefined ? [] : [`row ${index}: ${problem}`];
      });
      t.same(problems.slice(0, 5), [], `every row has loggen's host, program, pid, facility, severity, message and time (${problems.length} wrong)`);
      const seqs = new Set(rows.map(seqOf));
      t.equal(seqs.size, rows.length, 'no sequence number twice');
      t.ok([...seqs].every((seq) => seq >= 0 && seq < sent), 'sequence numbers are the ones loggen sent');
      t.equal(await agent.stop('SIGTERM'), 0, 'agent exits 0 on SIGTERM');
    });
  }
});

// ---------------------------------------------------------------------------
// rsyslog as a relay
// ---------------------------------------------------------------------------


const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Mmm dd hh:mm:ss" in UTC, the day padded with a space (RFC 3164 §4.1.2). */
function bsdTimestamp(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, ' ');
  return `${MONTHS[date.getUTCMonth()] ?? ''} ${day} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

/*
 * Two inputs, two rulesets, so each injected message is relayed exactly once,
 * and by the path we know. No imuxsock (so no /dev/log) and no imklog are
 * loaded, and the only listeners are the two loopback ports: rsyslogd never
 * binds 514. Forwarding templates are rsyslog's built-ins:
 *   RSYSLOG_SyslogProtocol23Format  "<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% %STRUCTURED-DATA% %msg%\n"
 *   RSYSLOG_ForwardFormat           "<%PRI%>%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag:1:32%%msg:::sp-if-no-1st-sp%%msg%"
 */
function rsyslogConfig(dir: string, relay5424Port: number, relay3164Port: number, agentTcpPort: number): string {
  return `# written by test/integration/real-senders.test.ts
global(workDirectory="${dir}/work")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="${relay5424Port}" ruleset="relay_rfc5424_octet")
input(type="imtcp" address="127.0.0.1" port="${relay3164Port}" ruleset="relay_rfc3164_lf")
ruleset(name="relay_rfc5424_octet") {
  action(type="omfwd" target="127.0.0.1" port="${agentTcpPort}" protocol="tcp"
         TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
}
ruleset(name="relay_rfc3164_lf") {
  action(type="omfwd" target="127.0.0.1" port="${agentTcpPort}" protocol="tcp"
         TCP_Framing="traditional" template="RSYSLOG_ForwardFormat")
}
`;
}

interface Injected {
  marker: string;
  expected: Record<string, unknown>;
}

void t.test(
  'rsyslog relays to the agent over TCP: RFC 5424 octet-counted and RFC 3164 LF-framed',
  {
    skip: !hasRsyslogd
      ? 'rsyslogd is not installed (apt-get install rsyslog)'
      : !hasLogger
        ? 'util-linux logger is not installed (apt-get install bsdutils)'
        : false,
  },
  async (t) => {
    const agent = await startAgent(testConfig());
    t.teardown(() => agent.stop('SIGKILL'));

    const dir = mkdtempSync(join(tmpdir(), 'asimd-rsyslog-'));
    mkdirSync(join(dir, 'work'));
    const [relay5424Port = 0, relay3164Port = 0] = await freeLoopbackPorts(2);
    const configFile = join(dir, 'rsyslog.conf');
    writeFileSync(configFile, rsyslogConfig(dir, relay5424Port, relay3164Port, agent.tcpPort));

    // -n foreground, -C no chdir to /, -i own pid file, -f own config. TZ=UTC so
    // the zone-less RFC 3164 timestamp below means the same instant to rsyslog
    // as to asimd (which reads such timestamps as UTC).
    const rsyslog = spawn(RSYSLOGD ?? 'rsyslogd', ['-n', '-C', '-i', join(dir, 'rsyslogd.pid'), '-f', configFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, TZ: 'UTC' },
    });
    t.teardown(async () => {
      await stopChild(rsyslog, 3000);
      rmSync(dir, { recursive: true, force: true });
    });
    let rsyslogOutput = '';
    rsyslog.stdout.setEncoding('utf8').on('data', (text: string) => (rsyslogOutput = `${rsyslogOutput}${text}`.slice(-4000)));
    rsyslog.stderr.setEncoding('utf8').on('data', (text: string) => (rsyslogOutput = `${rsyslogOutput}${text}`.slice(-4000)));

    await waitFor(
      async () => {
        if (rsyslog.exitCode !== null || rsyslog.signalCode !== null) {
          throw new Error(`rsyslogd exited (${String(rsyslog.exitCode ?? rsyslog.signalCode)}): ${rsyslogOutput}`);
        }
        return (await canConnect(relay5424Port)) && (await canConnect(relay3164Port)) ? true : undefined;
      },
      10_000,
      'rsyslogd to listen on both relay ports',
    );

    const host = hostname();
    const tag = `${process.pid}`;
    // One hour ago, to the second for RFC 3164 and to the millisecond for RFC 5424,
    // so a row that took the receive time instead is caught.
    const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const past5424 = new Date(past.getTime() + 123);

    const relays = [
      { name: 'rfc5424-octet', port: relay5424Port },
      { name: 'rfc3164-lf', port: relay3164Port },
    ] as const;
    const injected: Injected[] = [];
    for (const relay of relays) {
      // util-linux logger, RFC 5424: HOSTNAME is gethostname(), APP-NAME the tag, PROCID --id.
      const viaLogger5424 = `logger rfc5424 via ${relay.name} ${tag}`;
      const logger5424 = await run(
        t,
        'logger',
        ['--server', '127.0.0.1', '--port', String(relay.port), '--tcp', '--rfc5424', '-p', 'local4.warning', '-t', 'relay-5424', '--id=4711', viaLogger5424],
        5000,
      );
      t.equal(logger5424.code, 0, `logger --rfc5424 into ${relay.name} (${logger5424.output.trim()})`);
      injected.push({
        marker: viaLogger5424,
        expected: { HostName: host, Computer: host, Facility: 'local4', SeverityLevel: 'warning', ProcessName: 'relay-5424', ProcessID: 4711 },
      });

      // util-linux logger, RFC 3164: HOSTNAME is gethostname() up to the first dot, then "tag[id]: ".
      const viaLogger3164 = `logger rfc3164 via ${relay.name} ${tag}`;
      const logger3164 = await run(
        t,
        'logger',
        ['--server', '127.0.0.1', '--port', String(relay.port), '--tcp', '--rfc3164', '-p', 'mail.err', '-t', 'relay-3164', '--id=4712', viaLogger3164],
        5000,
      );
      t.equal(logger3164.code, 0, `logger --rfc3164 into ${relay.name} (${logger3164.output.trim()})`);
      const shortHost = host.split('.')[0] ?? host;
      injected.push({
        marker: viaLogger3164,
        expected: { HostName: shortHost, Computer: shortHost, Facility: 'mail', SeverityLevel: 'err', ProcessName: 'relay-3164', ProcessID: 4712 },
      });

      // A device somewhere else: its own hostname must survive the relay (not
      // become rsyslog's host or 127.0.0.1), and so must its timestamp.
      const raw5424 = `raw rfc5424 via ${relay.name} ${tag}`;
      const raw3164 = `raw rfc3164 via ${relay.name} ${tag}`;
      await sendTcp(
        relay.port,
        `<165>1 ${past5424.toISOString()} edge-fw-01.example.net sshd 815 ID47 [exampleSDID@32473 iut="3"] ${raw5424}\n` +
          `<34>${bsdTimestamp(past)} edge-fw-02 su[99]: ${raw3164}\n`,
      );
      injected.push({
        marker: raw5424,
        expected: {
          HostName: 'edge-fw-01.example.net',
          Computer: 'edge-fw-01.example.net',
          Facility: 'local4',
          SeverityLevel: 'notice',
          ProcessName: 'sshd',
          ProcessID: 815,
          TimeGenerated: past5424.toISOString(),
          EventTime: past5424.toISOString(),
        },
      });
      injected.push({
        marker: raw3164,
        expected: {
          HostName: 'edge-fw-02',
          Computer: 'edge-fw-02',
          Facility: 'auth',
          SeverityLevel: 'crit',
          ProcessName: 'su',
          ProcessID: 99,
          TimeGenerated: past.toISOString(),
          EventTime: past.toISOString(),
        },
      });
    }

    /*
     * The message text. rsyslog's %msg% of an RFC 3164 message keeps the space
     * after "tag:", and RSYSLOG_SyslogProtocol23Format writes it verbatim after
     * STRUCTURED-DATA ("- -  text"); RFC 5424 keeps every byte of MSG, so the
     * row keeps that space. RSYSLOG_ForwardFormat adds a space only when %msg%
     * lacks one (sp-if-no-1st-sp), and the RFC 3164 parser drops it.
     */
    const messageOf = (marker: string): string => (marker.startsWith('logger rfc3164 via rfc5424') || marker.startsWith('raw rfc3164 via rfc5424') ? ` ${marker}` : marker);

    const found = (rows: Array<Record<string, unknown>>, marker: string): Array<Record<string, unknown>> =>
      rows.filter((row) => typeof row['SyslogMessage'] === 'string' && row['SyslogMessage'].trim() === marker);
    await settled(() => {
      const rows = rowsNow(agent) ?? [];
      return injected.every(({ marker }) => found(rows, marker).length > 0);
    }, 10_000, 'every relayed row');

    const rows = agent.rows();
    t.equal(rows.length, injected.length, 'one row per injected message: nothing of rsyslog\'s own, nothing twice');
    for (const { marker, expected } of injected) {
      const matching = found(rows, marker);
      t.equal(matching.length, 1, `${marker}: one row`);
      const row = matching[0];
      if (row === undefined) continue;
      t.has(
        row,
        { ...expected, SyslogMessage: messageOf(marker), HostIP: '127.0.0.1', SourceSystem: 'Linux' },
        `${marker}: hostname, tag, pid, facility, severity and message preserved through rsyslog`,
      );
      t.equal(row['AsimdFlags'], undefined, `${marker}: parsed cleanly`);
    }

    const perRelay = injected.length / relays.length;
    t.equal(await agent.metric('asimd_tcp_framing_total', { method: 'octet_counting' }), perRelay, 'the RFC 5424 relay used octet counting');
    t.equal(await agent.metric('asimd_tcp_framing_total', { method: 'lf' }), perRelay, 'the RFC 3164 relay used LF framing');
    t.equal(await agent.metric('asimd_messages_parsed_total', { source: 'syslog_tcp', format: 'rfc5424' }), perRelay, 'RFC 5424 rows');
    t.equal(await agent.metric('asimd_messages_parsed_total', { source: 'syslog_tcp', format: 'rfc3164' }), perRelay, 'RFC 3164 rows');
    t.equal(await agent.metric('asimd_messages_failed_total', { source: 'syslog_tcp' }), 0, 'no parse problems');

    await stopChild(rsyslog, 3000);
    t.equal(await agent.stop('SIGTERM'), 0, 'agent exits 0 on SIGTERM');
  },
);
