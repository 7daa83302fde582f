import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import t from 'tap';
import { issue, makeCa } from '../helpers/pki.ts';
import { startAgent, testConfig, waitFor } from '../helpers/agent-process.ts';

/*
 * Syslog over TLS (RFC 5425) with client certificates required (mTLS), and a
 * certificate reload without a restart.
 */

const dir = mkdtempSync(join(tmpdir(), 'asimd-tls-'));
const ca = await makeCa(dir);
const server = await issue(dir, ca, 'asimd-server-1', 'server');
const nextServer = await issue(dir, ca, 'asimd-server-2', 'server');
const client = await issue(dir, ca, 'trusted-sender', 'client');
const strangerCa = await makeCa(dir, 'stranger CA');
const stranger = await issue(dir, strangerCa, 'stranger', 'client');
// The agent reads the certificate from these paths; the reload test replaces their content.
const liveCert = join(dir, 'live.crt');
const liveKey = join(dir, 'live.key');
copyFileSync(server.certFile, liveCert);
copyFileSync(server.keyFile, liveKey);

function open(port: number, identity?: { cert: string; key: string }): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port, ca: ca.cert, servername: 'localhost', ...identity }, () => resolve(socket));
    socket.once('error', reject);
  });
}

const agent = await startAgent(
  testConfig({
    sources: {
      syslog: {
        tls: {
          enabled: true,
          port: 0,
          certFile: liveCert,
          keyFile: liveKey,
          clientCaFile: ca.certFile,
          requireClientCertificate: true,
          watchFiles: false,
        },
      },
    },
  }),
);
const tlsPort = Number((agent.logs.find((line) => line.msg === 'asimd started')?.['sources'] as Array<{ name: string; port: number }>).find((s) => s.name === 'syslog_tls')?.port);
t.teardown(() => agent.stop('SIGKILL'));

void t.test('a sender with a client certificate from the CA is accepted (octet counting)', async (t) => {
  const socket = await open(tlsPort, client);
  t.equal(socket.getPeerCertificate().subject.CN, 'asimd-server-1', 'served the configured certificate');
  const message = '<38>1 2026-11-28T10:00:00Z tls-host sshd 42 - - over TLS';
  socket.end(`${Buffer.byteLength(message)} ${message}`);
  const row = await waitFor(() => agent.rows().find((r) => r['SyslogMessage'] === 'over TLS'), 3000, 'the TLS row');
  t.match(row, { HostName: 'tls-host', Facility: 'auth', SeverityLevel: 'info', ProcessName: 'sshd', ProcessID: 42, HostIP: '127.0.0.1' });
  t.equal(await agent.metric('asimd_tcp_framing_total', { source: 'syslog_tls', method: 'octet_counting' }), 1);
});

void t.test('a sender without a client certificate, or with one from another CA, is refused and counted', async (t) => {
  for (const identity of [undefined, stranger]) {
    const outcome = await open(tlsPort, identity).then(
      (socket) =>
        new Promise<string>((resolve) => {
          // TLS 1.3 reports the refusal after the handshake, on the first read.
          socket.once('error', (err: Error) => resolve(err.message));
          socket.once('close', () => resolve('closed'));
          socket.write('<13>1 - - - - - - must not land\n');
        }),
      (err: Error) => err.message,
    );
    t.ok(outcome.length > 0, `refused: ${outcome}`);
  }
  await waitFor(async () => ((await agent.metric('asimd_tls_handshake_failures_total')) >= 2 ? true : undefined), 3000, 'two handshake failures');
  t.equal(await agent.metric('asimd_tls_handshake_failures_total', { reason: 'no_client_certificate' }), 1, 'counted as no_client_certificate');
  t.equal(await agent.metric('asimd_tls_handshake_failures_total', { reason: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' }), 1, 'counted as an untrusted certificate');
  t.notOk(agent.rows().some((r) => r['SyslogMessage'] === 'must not land'), 'nothing from refused senders');
});

void t.test('SIGHUP reloads the certificate without a restart; open connections stay up', async (t) => {
  const before = await open(tlsPort, client);
  copyFileSync(nextServer.certFile, liveCert);
  copyFileSync(nextServer.keyFile, liveKey);
  agent.process.kill('SIGHUP');
  await waitFor(async () => ((await agent.metric('asimd_tls_reloads_total', { outcome: 'ok' })) >= 1 ? true : undefined), 3000, 'the reload');
  const after = await open(tlsPort, client);
  t.equal(after.getPeerCertificate().subject.CN, 'asimd-server-2', 'new connections get the new certificate');
  const early = '<13>1 - old-conn app - - - before reload';
  const late = '<13>1 - new-conn app - - - after reload';
  before.end(`${Buffer.byteLength(early)} ${early}`);
  after.end(`${Buffer.byteLength(late)} ${late}`);
  await waitFor(() => (agent.rows().filter((r) => /reload$/.test(String(r['SyslogMessage']))).length === 2 ? true : undefined), 3000, 'both rows');
  t.pass('the connection opened before the reload still delivered');
  t.equal(await agent.stop(), 0);
});
