import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import type { Test } from 'tap';
import { issue, makeCa } from '../helpers/pki.ts';
import { startAgent, testConfig } from '../helpers/agent-process.ts';
import type { RunningAgent } from '../helpers/agent-process.ts';
import {
  bsdTimestamp,
  findSyslogNg,
  freeLoopbackPorts,
  loggerOrSkip,
  rowsNow,
  rsyslogWithOpenssl,
  run,
  sendTcp,
  settled,
  startRsyslogd,
  startSyslogNg,
  tlsPortOf,
  waitListening,
} from '../helpers/senders.ts';

/*
 * Real senders over TLS (RFC 5425) with client certificates (mTLS), and
 * syslog-ng over every transport it forwards with:
 *
 * - rsyslogd with its OpenSSL driver (rsyslog-openssl) relays what logger and
 *   a raw socket hand to its plain imtcp input, with omfwd over TLS, octet
 *   counted, presenting a client certificate from the test CA and checking the
 *   agent's certificate (x509/name, peer "localhost"). Two more rsyslogd,
 *   one without a client certificate and one with one from another CA, are
 *   refused: counted as handshake failures, nothing of theirs lands.
 * - syslog-ng (syslog-ng-core; extracted from the .deb when not installed, as
 *   it conflicts with rsyslog) relays to the agent with syslog() over TCP
 *   (RFC 5424, octet counting), network() over TCP (RFC 3164, LF) and UDP, and
 *   syslog() over TLS with mTLS (peer-verify(required-trusted)).
 *
 * Every injected message must land exactly once, by the path we know (a
 * marker per path), with hostname, tag, pid, facility, severity, message and,
 * for the raw ones, the sender's own timestamp intact.
 *
 * Each test skips, saying why, when its sender is not available.
 */

const RUN = `${process.pid}-${Date.now().toString(36)}`;
const HOST = hostname();
const SHORT_HOST = HOST.split('.')[0] ?? HOST;

const pkiDir = mkdtempSync(join(tmpdir(), 'asimd-real-tls-'));
t.teardown(() => rmSync(pkiDir, { recursive: true, force: true }));
const ca = await makeCa(pkiDir);
const serverCert = await issue(pkiDir, ca, 'asimd-server', 'server');
const rsyslogCert = await issue(pkiDir, ca, 'rsyslog-relay', 'client');
const syslogNgCert = await issue(pkiDir, ca, 'syslog-ng-relay', 'client');
const strangerCa = await makeCa(pkiDir, 'stranger CA');
const strangerCert = await issue(pkiDir, strangerCa, 'stranger-relay', 'client');

/** An agent with UDP, TCP and a TLS listener that requires a client certificate from the test CA. */
async function startTlsAgent(t: Test): Promise<{ agent: RunningAgent; tlsPort: number }> {
  const agent = await startAgent(
    testConfig({
      sources: {
        syslog: {
          tls: {
            enabled: true,
            port: 0,
            certFile: serverCert.certFile,
            keyFile: serverCert.keyFile,
            clientCaFile: ca.certFile,
            requireClientCertificate: true,
            watchFiles: false,
          },
        },
      },
    }),
  );
  t.teardown(() => agent.stop('SIGKILL'));
  const tlsPort = tlsPortOf(agent);
  if (tlsPort === 0) throw new Error('the agent reported no syslog_tls listener');
  return { agent, tlsPort };
}

interface Injected {
  marker: string;
  /** SyslogMessage as it must arrive (the marker, sometimes with a leading space the relay keeps). */
  message: string;
  expected: Record<string, unknown>;
  /** Checked together with the rest of its group (one assertion per group, not per message). */
  group?: string;
}

/** Rows whose message, trimmed, is the marker. */
function rowsWith(rows: Array<Record<string, unknown>>, marker: string): Array<Record<string, unknown>> {
  return rows.filter((row) => typeof row['SyslogMessage'] === 'string' && row['SyslogMessage'].trim() === marker);
}

/** What is wrong with the rows of one injected message, or undefined when there is one row and it is right. */
function problemOf(rows: Array<Record<string, unknown>>, { marker, message, expected }: Injected): string | undefined {
  const matching = rowsWith(rows, marker);
  if (matching.length !== 1) return `${matching.length} rows`;
  const row = matching[0] ?? {};
  for (const [column, value] of Object.entries({ ...expected, SyslogMessage: message, HostIP: '127.0.0.1', SourceSystem: 'Linux', AsimdFlags: undefined })) {
    if (row[column] !== value) return `${column} is ${JSON.stringify(row[column])}, expected ${JSON.stringify(value)}`;
  }
  return undefined;
}

/**
 * Waits (≤ 10 s) for every marker, then asserts one row each with the expected
 * columns (one assertion per message, or per group), and no other rows.
 */
async function assertLanded(t: Test, agent: RunningAgent, injected: Injected[], sender: string): Promise<void> {
  await settled(() => {
    const rows = rowsNow(agent) ?? [];
    return rows.length >= injected.length && injected.every(({ marker }) => rowsWith(rows, marker).length > 0);
  }, 10_000, `every row from ${sender}`);
  const rows = agent.rows();
  t.equal(rows.length, injected.length, `one row per injected message: nothing of ${sender}'s own, nothing twice`);
  const groups = new Map<string, string[]>();
  for (const message of injected) {
    const problem = problemOf(rows, message);
    if (message.group === undefined) {
      if (problem === undefined) t.pass(`${message.marker}: one row, fields preserved through ${sender}`);
      else t.fail(`${message.marker}: ${problem}`, { row: rowsWith(rows, message.marker) });
    } else {
      const problems = groups.get(message.group) ?? [];
      if (problem !== undefined) problems.push(`${message.marker}: ${problem}`);
      groups.set(message.group, problems);
    }
  }
  for (const [group, problems] of groups) {
    const size = injected.filter((message) => message.group === group).length;
    t.same(problems.slice(0, 5), [], `${group}: each of ${size} messages one row, fields preserved through ${sender} (${problems.length} wrong)`);
  }
}

/** The reasons of asimd_tls_handshake_failures_total, with their counts. */
async function handshakeFailures(agent: RunningAgent): Promise<Record<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${agent.httpPort}/metrics`)).text();
  const reasons: Record<string, number> = {};
  for (const match of text.matchAll(/^asimd_tls_handshake_failures_total\{reason="([^"]*)"\} (\S+)$/gm)) {
    reasons[match[1] ?? ''] = Number(match[2]);
  }
  return reasons;
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

/** A burst of RFC 5424 lines "burst <label> seq N" from a host of its own, LF-framed. */
function burst(label: string, count: number, pri: number): { text: string; markers: string[] } {
  const markers = Array.from({ length: count }, (_, seq) => `burst ${label} ${RUN} seq ${String(seq).padStart(4, '0')}`);
  return { text: markers.map((marker) => `<${pri}>1 - burst-host burst 7 - - ${marker}\n`).join(''), markers };
}

// ---------------------------------------------------------------------------
// rsyslog over TLS with mTLS
// ---------------------------------------------------------------------------

const rsyslog = rsyslogWithOpenssl();

/*
 * The trusted relay: the ossl driver and its certificates as global defaults
 * (the usual rsyslog TLS setup), the plain imtcp input on ptcp. The input has
 * its own ruleset, so rsyslog's own messages (the default ruleset) go nowhere.
 * RSYSLOG_SyslogProtocol23Format is
 *   "<%PRI%>1 %TIMESTAMP:::date-rfc3339% %HOSTNAME% %APP-NAME% %PROCID% %MSGID% %STRUCTURED-DATA% %msg%\n".
 */
function trustedRsyslogConfig(dir: string, inPort: number, tlsPort: number): string {
  return `# written by test/integration/real-senders-tls.test.ts
global(workDirectory="${dir}/work"
       DefaultNetstreamDriver="ossl"
       DefaultNetstreamDriverCAFile="${ca.certFile}"
       DefaultNetstreamDriverCertFile="${rsyslogCert.certFile}"
       DefaultNetstreamDriverKeyFile="${rsyslogCert.keyFile}")
module(load="imtcp" StreamDriver.Name="ptcp" StreamDriver.Mode="0")
input(type="imtcp" address="127.0.0.1" port="${inPort}" ruleset="to_agent_tls")
ruleset(name="to_agent_tls") {
  action(type="omfwd" target="127.0.0.1" port="${tlsPort}" protocol="tcp"
         StreamDriver="ossl" StreamDriverMode="1"
         StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost"
         TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
}
`;
}

/*
 * A relay the agent must refuse: the same TLS forwarding, configured per
 * action, with no client certificate or with one from another CA. It checks
 * the agent's certificate against the test CA, so only the agent can refuse.
 */
function refusedRsyslogConfig(dir: string, inPort: number, tlsPort: number, identity?: { certFile: string; keyFile: string }): string {
  return `# written by test/integration/real-senders-tls.test.ts
global(workDirectory="${dir}/work")
module(load="imtcp")
input(type="imtcp" address="127.0.0.1" port="${inPort}" ruleset="to_agent_tls")
ruleset(name="to_agent_tls") {
  action(type="omfwd" target="127.0.0.1" port="${tlsPort}" protocol="tcp"
         StreamDriver="ossl" StreamDriverMode="1" StreamDriver.CAFile="${ca.certFile}"
         StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost"
         ${identity ? `StreamDriver.CertFile="${identity.certFile}" StreamDriver.KeyFile="${identity.keyFile}"` : ''}
         TCP_Framing="octet-counted" template="RSYSLOG_SyslogProtocol23Format")
}
`;
}

void t.test(
  'rsyslog relays over TLS with a client certificate (mTLS); without one, or with another CA\'s, it is refused',
  { skip: typeof rsyslog === 'string' ? rsyslog : (loggerOrSkip() ?? false) },
  async (t) => {
    if (typeof rsyslog === 'string') return;
    const { agent, tlsPort } = await startTlsAgent(t);
    const dir = mkdtempSync(join(tmpdir(), 'asimd-rsyslog-tls-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const [inPort = 0, refusedPort = 0] = await freeLoopbackPorts(2);

    // TZ=UTC: the zone-less RFC 3164 timestamp below means the same instant to rsyslog as to asimd.
    const env = { ...process.env, TZ: 'UTC' };
    const trusted = startRsyslogd(t, rsyslog, 'rsyslogd (trusted)', join(dir, 'trusted'), trustedRsyslogConfig(join(dir, 'trusted'), inPort, tlsPort), env);
    await waitListening(trusted, [inPort], 10_000);

    const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const past5424 = new Date(past.getTime() + 123);
    const injected: Injected[] = [];

    const viaLogger5424 = `rsyslog tls logger rfc5424 ${RUN}`;
    const logger5424 = await run(
      t,
      'logger',
      ['--server', '127.0.0.1', '--port', String(inPort), '--tcp', '--rfc5424', '-p', 'local4.warning', '-t', 'tls-5424', '--id=4711', viaLogger5424],
      5000,
    );
    t.equal(logger5424.code, 0, `logger --rfc5424 (${logger5424.output.trim()})`);
    injected.push({
      marker: viaLogger5424,
      message: viaLogger5424,
      expected: { HostName: HOST, Computer: HOST, Facility: 'local4', SeverityLevel: 'warning', ProcessName: 'tls-5424', ProcessID: 4711 },
    });

    const viaLogger3164 = `rsyslog tls logger rfc3164 ${RUN}`;
    const logger3164 = await run(
      t,
      'logger',
      ['--server', '127.0.0.1', '--port', String(inPort), '--tcp', '--rfc3164', '-p', 'mail.err', '-t', 'tls-3164', '--id=4712', viaLogger3164],
      5000,
    );
    t.equal(logger3164.code, 0, `logger --rfc3164 (${logger3164.output.trim()})`);
    // rsyslog's %msg% of an RFC 3164 message keeps the space after "tag:", and
    // the RFC 5424 template writes it verbatim, so the row keeps it.
    injected.push({
      marker: viaLogger3164,
      message: ` ${viaLogger3164}`,
      expected: { HostName: SHORT_HOST, Computer: SHORT_HOST, Facility: 'mail', SeverityLevel: 'err', ProcessName: 'tls-3164', ProcessID: 4712 },
    });

    // A device somewhere else: its hostname and timestamp must survive the relay.
    const raw5424 = `rsyslog tls raw rfc5424 ${RUN} — UTF-8: café ✓`;
    const raw3164 = `rsyslog tls raw rfc3164 ${RUN}`;
    const many = burst('rsyslog-tls', 200, 134);
    await sendTcp(
      inPort,
      `<165>1 ${past5424.toISOString()} edge-fw-01.example.net sshd 815 ID47 [exampleSDID@32473 iut="3"] ${raw5424}\n` +
        `<34>${bsdTimestamp(past)} edge-fw-02 su[99]: ${raw3164}\n${many.text}`,
    );
    injected.push({
      marker: raw5424,
      message: raw5424,
      expected: {
        HostName: 'edge-fw-01.example.net',
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
      message: ` ${raw3164}`,
      expected: { HostName: 'edge-fw-02', Facility: 'auth', SeverityLevel: 'crit', ProcessName: 'su', ProcessID: 99, TimeGenerated: past.toISOString() },
    });
    for (const marker of many.markers) {
      injected.push({
        marker,
        message: marker,
        expected: { HostName: 'burst-host', Facility: 'local0', SeverityLevel: 'info', ProcessName: 'burst', ProcessID: 7 },
        group: `a burst of ${many.markers.length} on one connection`,
      });
    }

    await assertLanded(t, agent, injected, 'rsyslog over TLS');
    const landed = injected.length;
    if (agent.rows().length < landed) t.comment(`rsyslogd (trusted) said:\n${trusted.output()}`);
    t.equal(await agent.metric('asimd_tcp_framing_total', { source: 'syslog_tls' }), landed, 'every frame on the TLS listener counted');
    t.equal(await agent.metric('asimd_tcp_framing_total', { source: 'syslog_tls', method: 'octet_counting' }), landed, 'rsyslog framed them with octet counting');
    t.equal(await agent.metric('asimd_tcp_framing_total', { source: 'syslog_tcp' }), 0, 'nothing came in over plain TCP');
    t.equal(await agent.metric('asimd_messages_parsed_total', { source: 'syslog_tls', format: 'rfc5424' }), landed, 'all parsed as RFC 5424');
    t.equal(await agent.metric('asimd_messages_failed_total', { source: 'syslog_tls' }), 0, 'no parse problems');
    t.same(await handshakeFailures(agent), {}, 'the trusted relay had no failed handshake');

    // The refused relays, one after the other, so each failed handshake is theirs.
    const refusedMarkers: string[] = [];
    for (const [label, identity] of [
      ['without a client certificate', undefined],
      ['with a client certificate from another CA', strangerCert],
    ] as const) {
      const before = await handshakeFailures(agent);
      const relayDir = join(dir, label.replace(/\W+/g, '-'));
      const relay = startRsyslogd(t, rsyslog, `rsyslogd (${label})`, relayDir, refusedRsyslogConfig(relayDir, refusedPort, tlsPort, identity), env);
      await waitListening(relay, [refusedPort], 10_000);
      const marker = `rsyslog tls refused ${label} ${RUN}`;
      refusedMarkers.push(marker);
      const sent = await run(t, 'logger', ['--server', '127.0.0.1', '--port', String(refusedPort), '--tcp', '--rfc5424', '-t', 'refused', marker], 5000);
      t.equal(sent.code, 0, `logger into the relay ${label} (${sent.output.trim()})`);
      const counted = await settled(async () => sum(await handshakeFailures(agent)) > sum(before), 10_000, `a failed handshake ${label}`);
      const after = await handshakeFailures(agent);
      t.ok(counted, `rsyslog ${label} is refused: asimd_tls_handshake_failures_total ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
      if (!counted) t.comment(`rsyslogd (${label}) said:\n${relay.output()}`);
      await relay.stop();
    }

    // A last message through the trusted relay: once it is in, anything the
    // refused relays got through would be too.
    const fence = `rsyslog tls fence ${RUN}`;
    const fenced = await run(t, 'logger', ['--server', '127.0.0.1', '--port', String(inPort), '--tcp', '--rfc5424', '-t', 'fence', fence], 5000);
    t.equal(fenced.code, 0, 'logger into the trusted relay');
    t.ok(await settled(() => rowsWith(rowsNow(agent) ?? [], fence).length === 1, 10_000, 'the fence row'), 'the trusted relay still delivers');
    const rows = agent.rows();
    for (const marker of refusedMarkers) t.same(rowsWith(rows, marker), [], `nothing lands: ${marker}`);
    t.equal(rows.length, landed + 1, 'no other rows');
    t.equal(await agent.metric('asimd_tcp_framing_total', { source: 'syslog_tls' }), landed + 1, 'no frames from the refused relays');

    await trusted.stop();
    t.equal(await agent.stop('SIGTERM'), 0, 'agent exits 0 on SIGTERM');
  },
);

// ---------------------------------------------------------------------------
// syslog-ng to every listener
// ---------------------------------------------------------------------------

interface SyslogNgPath {
  name: string;
  destination: (ports: { tcp: number; udp: number; tls: number }) => string;
  /** How syslog-ng writes the message on this path, and so how asimd parses it. */
  format: 'rfc5424' | 'rfc3164';
  source: 'syslog_tcp' | 'syslog_udp' | 'syslog_tls';
  framing?: 'octet_counting' | 'lf';
}

const SYSLOG_NG_PATHS: SyslogNgPath[] = [
  { name: 'syslog-tcp', destination: ({ tcp }) => `syslog("127.0.0.1" transport(tcp) port(${tcp}))`, format: 'rfc5424', source: 'syslog_tcp', framing: 'octet_counting' },
  { name: 'network-tcp', destination: ({ tcp }) => `network("127.0.0.1" transport(tcp) port(${tcp}))`, format: 'rfc3164', source: 'syslog_tcp', framing: 'lf' },
  { name: 'network-udp', destination: ({ udp }) => `network("127.0.0.1" transport(udp) port(${udp}))`, format: 'rfc3164', source: 'syslog_udp' },
  {
    name: 'syslog-tls',
    destination: ({ tls }) =>
      `syslog("localhost" transport(tls) port(${tls}) ip-protocol(4)
      tls(ca-file("${ca.certFile}") cert-file("${syslogNgCert.certFile}") key-file("${syslogNgCert.keyFile}") peer-verify(required-trusted)))`,
    format: 'rfc5424',
    source: 'syslog_tls',
    framing: 'octet_counting',
  },
];

/*
 * One syslog() input (RFC 5424, octet counting) per path, each with its own
 * log path to one destination, so a marker tells the path. keep-hostname:
 * relay the sender's HOST instead of the connection's address.
 */
function syslogNgConfig(inPorts: number[], ports: { tcp: number; udp: number; tls: number }): string {
  const paths = SYSLOG_NG_PATHS.map(
    (path, index) => `source s_${index} { syslog(transport(tcp) ip(127.0.0.1) port(${inPorts[index] ?? 0})); };
destination d_${index} { ${path.destination(ports).replace(/\)$/, ` persist-name("${path.name}"))`)}; };
log { source(s_${index}); destination(d_${index}); };`,
  );
  return `@version: 3.38
# written by test/integration/real-senders-tls.test.ts
options { keep-hostname(yes); use-dns(no); use-fqdn(no); chain-hostnames(no); keep-timestamp(yes); stats-freq(0); mark-freq(0); time-reopen(1); };
${paths.join('\n')}
`;
}

// Not installed with rsyslog (the packages conflict): maybe extracted from the .deb here, once.
const syslogNg = loggerOrSkip() ?? (await findSyslogNg(t));

void t.test(
  'syslog-ng relays to the agent: syslog() TCP, network() TCP and UDP, syslog() TLS with mTLS',
  { skip: typeof syslogNg === 'string' ? syslogNg : false },
  async (t) => {
    if (typeof syslogNg === 'string') return;
    t.comment(`syslog-ng: ${syslogNg.binary} (${syslogNg.origin})`);
    const { agent, tlsPort } = await startTlsAgent(t);
    const dir = mkdtempSync(join(tmpdir(), 'asimd-syslog-ng-'));
    t.teardown(() => rmSync(dir, { recursive: true, force: true }));
    const inPorts = await freeLoopbackPorts(SYSLOG_NG_PATHS.length);
    // TZ=UTC: syslog-ng writes RFC 3164 timestamps in local time without a zone, which asimd reads as UTC.
    const daemon = startSyslogNg(t, syslogNg, 'syslog-ng', dir, syslogNgConfig(inPorts, { tcp: agent.tcpPort, udp: agent.udpPort, tls: tlsPort }), {
      ...process.env,
      TZ: 'UTC',
    });
    await waitListening(daemon, inPorts, 10_000);

    const past = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
    const injected: Injected[] = [];
    for (const [index, path] of SYSLOG_NG_PATHS.entries()) {
      const port = inPorts[index] ?? 0;
      const viaLogger = `syslog-ng ${path.name} logger ${RUN}`;
      const sent = await run(
        t,
        'logger',
        ['--server', '127.0.0.1', '--port', String(port), '--tcp', '--octet-count', '--rfc5424', '-p', 'local3.notice', '-t', 'sng-app', '--id=4242', viaLogger],
        5000,
      );
      t.equal(sent.code, 0, `logger into the ${path.name} input (${sent.output.trim()})`);
      injected.push({
        marker: viaLogger,
        message: viaLogger,
        expected: { HostName: HOST, Computer: HOST, Facility: 'local3', SeverityLevel: 'notice', ProcessName: 'sng-app', ProcessID: 4242 },
      });
      const raw = `syslog-ng ${path.name} raw ${RUN} — UTF-8: café ✓`;
      const frame = `<165>1 ${past.toISOString()} edge-fw-03.example.net sshd 815 ID47 [exampleSDID@32473 iut="3"] ${raw}`;
      await sendTcp(port, `${Buffer.byteLength(frame)} ${frame}`);
      injected.push({
        marker: raw,
        message: raw,
        expected: {
          HostName: 'edge-fw-03.example.net',
          Facility: 'local4',
          SeverityLevel: 'notice',
          ProcessName: 'sshd',
          ProcessID: 815,
          TimeGenerated: past.toISOString(),
          EventTime: past.toISOString(),
        },
      });
    }

    await assertLanded(t, agent, injected, 'syslog-ng');
    if (agent.rows().length < injected.length) t.comment(`syslog-ng said:\n${daemon.output()}`);
    const perPath = injected.length / SYSLOG_NG_PATHS.length;
    for (const source of ['syslog_tcp', 'syslog_udp', 'syslog_tls'] as const) {
      const paths = SYSLOG_NG_PATHS.filter((path) => path.source === source);
      t.equal(await agent.metric('asimd_messages_received_total', { source }), paths.length * perPath, `${source}: ${paths.map((p) => p.name).join(', ')}`);
      for (const format of ['rfc5424', 'rfc3164'] as const) {
        const expected = paths.filter((path) => path.format === format).length * perPath;
        t.equal(await agent.metric('asimd_messages_parsed_total', { source, format }), expected, `${source}: ${expected} parsed as ${format}`);
      }
      if (source !== 'syslog_udp') {
        for (const method of ['octet_counting', 'lf'] as const) {
          const expected = paths.filter((path) => path.framing === method).length * perPath;
          t.equal(await agent.metric('asimd_tcp_framing_total', { source, method }), expected, `${source}: ${expected} framed by ${method}`);
        }
      }
      t.equal(await agent.metric('asimd_messages_failed_total', { source }), 0, `${source}: no parse problems`);
    }
    t.same(await handshakeFailures(agent), {}, 'syslog-ng\'s client certificate was accepted on the first handshake');

    await daemon.stop();
    t.equal(await agent.stop('SIGTERM'), 0, 'agent exits 0 on SIGTERM');
  },
);
