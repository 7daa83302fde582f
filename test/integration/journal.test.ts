import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { emulatorConfig, startEmulator } from '../../src/emulator/index.ts';
import { startAgent, testConfig, waitFor } from '../helpers/agent-process.ts';

/*
 * The journal across a crash: batches journaled while the service is down
 * survive a SIGKILL of the agent and are delivered by the next start.
 */

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
