import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { buildConfig } from '../../src/config/load.ts';
import t from 'tap';
import { emulatorConfig, startEmulator } from '../../src/emulator/index.ts';
import { startAgent, testConfig, waitFor } from '../helpers/agent-process.ts';

/*
 * The real agent process shipping through the Logs Ingestion sink: to its
 * in-process emulator (the default config's path), and to an emulator that
 * goes away for a while and comes back.
 */

const hasLogger = spawnSync('logger', ['--version']).status === 0;
const REPO = new URL('../../', import.meta.url).pathname;

void t.test('default path: 50 logger messages → 50 rows in data/emulator/Custom-Syslog.ndjson', { skip: hasLogger ? false : 'util-linux logger is not installed' }, async (t) => {
  const agent = await startAgent(testConfig({ emulator: { enabled: true, port: 0 }, sink: { type: 'azure-logs-ingestion' } }));
  t.teardown(() => agent.stop('SIGKILL'));
  t.equal((await fetch(`http://127.0.0.1:${agent.httpPort}/readyz`)).status, 200, 'ready: the sink probed its stream');
  for (let i = 0; i < 50; i++) {
    execFileSync('logger', ['--tcp', '--rfc5424', '--server', '127.0.0.1', '--port', String(agent.tcpPort), '-p', 'auth.notice', '-t', 'sshd', `emulator message ${i}`]);
  }
  const rows = await waitFor(() => {
    const found = agent.rowsIn('data/emulator');
    return found.length >= 50 ? found : undefined;
  }, 5000, '50 rows at the emulator');
  t.equal(rows.length, 50);
  t.same(rows.map((row) => row['SyslogMessage']), Array.from({ length: 50 }, (_, i) => `emulator message ${i}`), 'in order, none lost');
  t.match(rows[0], { Facility: 'auth', SeverityLevel: 'notice', ProcessName: 'sshd' });
  t.equal(await agent.metric('asimd_sink_requests_total', { status: '204' }) > 1, true, 'delivered with 204s');
  t.ok((await agent.metric('asimd_token_refreshes_total', { outcome: 'ok' })) >= 1, 'through a real token');
  t.equal(await agent.stop(), 0);
});

void t.test('the emulator down for a while and back: nothing is lost', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'asimd-down-'));
  const logger = pino({ level: 'silent' });
  const config = emulatorConfig({ port: 0, dataDirectory: join(dir, 'emulator') });
  let emulator = await startEmulator(config, { logger, baseDirectory: REPO });
  const port = emulator.port;
  const agent = await startAgent(
    testConfig({
      sink: {
        type: 'azure-logs-ingestion',
        azure: {
          targets: [{ endpoint: emulator.url, dcrImmutableId: 'dcr-00000000000000000000000000000000' }],
          auth: { type: 'client-secret', tenantId: 't', clientId: 'c', clientSecret: 's', authorityHost: emulator.url },
          caFile: emulator.certificateFile,
        },
      },
      delivery: { maxRetryDelayMs: 500 },
    }),
  );
  t.teardown(async () => {
    await agent.stop('SIGKILL');
    await emulator.close();
  });
  const socket = connect(agent.tcpPort, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  const send = (from: number, to: number): void => {
    for (let i = from; i < to; i++) socket.write(`<13>1 - host app - - - seq ${i}\n`);
  };
  send(0, 100);
  await waitFor(() => (emulator.rows('Custom-Syslog').length >= 100 ? true : undefined), 5000, 'the first 100 rows');

  await emulator.close();
  send(100, 300);
  await waitFor(async () => ((await agent.metric('asimd_sink_retries_total')) > 0 ? true : undefined), 5000, 'failed attempts while down');
  await sleep(1000);
  emulator = await startEmulator({ ...config, port }, { logger, baseDirectory: REPO });
  const rows = await waitFor(() => {
    const found = emulator.rows('Custom-Syslog');
    return found.length >= 300 ? found : undefined;
  }, 15_000, 'all 300 rows after the emulator came back');
  t.equal(rows.length, 300, 'every row arrived once');
  t.same(new Set(rows.map((row) => row['SyslogMessage'])).size, 300, 'no duplicates');
  t.equal(await agent.metric('asimd_messages_dropped_total'), 0, 'nothing dropped');
  socket.end();
  t.equal(await agent.stop(), 0);
});

void t.test('a DCR the service does not know: /readyz answers 503 naming it, and the rows are kept', async (t) => {
  const agent = await startAgent(
    testConfig({
      emulator: { enabled: true, port: 0 },
      sink: { type: 'azure-logs-ingestion', azure: { targets: [{ dcrImmutableId: 'dcr-0123456789abcdef0123456789abcdef' }], configErrorRetryDelayMs: 1000 } },
    }),
  );
  t.teardown(() => agent.stop('SIGKILL'));
  const ready = await fetch(`http://127.0.0.1:${agent.httpPort}/readyz`);
  t.equal(ready.status, 503);
  t.match(await ready.text(), /dcr-0123456789abcdef0123456789abcdef/);
  const socket = connect(agent.tcpPort, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.end('<13>1 - host app - - - kept while misconfigured\n');
  // One probe per stream at start, then the batch.
  const probes = Object.keys(buildConfig({}, {}).streams).length;
  await waitFor(async () => ((await agent.metric('asimd_sink_requests_total', { status: '404' })) >= probes + 1 ? true : undefined), 5000, 'the batch refused with 404');
  t.equal(await agent.metric('asimd_messages_dropped_total'), 0, 'nothing dropped');
  t.ok((await agent.metric('asimd_output_bytes')) > 0, 'the batch is held');
  t.match(agent.logs.find((line) => line.component === 'sink-azure' && line.level >= 50), { fix: /endpoint and dcrImmutableId/ }, 'the log says what to fix');
});
