import { existsSync, readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { parse } from 'yaml';
import t from 'tap';
import { REPO_ROOT, startAgent, waitFor, type RunningAgent } from '../helpers/agent-process.ts';

/*
 * Acknowledged means durable. With the default config (journal on, the
 * in-process emulator as the destination), 40 concurrent CloudTrail POSTs of
 * 250 records each are answered 200, the agent is SIGKILLed right after the
 * last answer while syslog over TCP is still streaming in, and a restart on the
 * same data directory delivers every acknowledged record. Once with the
 * emulator up (the kill races deliveries in flight) and once with it answering
 * 503 to everything (nothing can have been delivered before the kill).
 */

const REQUESTS = 40;
const RECORDS_PER_REQUEST = 250;

const defaults = parse(readFileSync(join(REPO_ROOT, 'config/default.yaml'), 'utf8')) as Record<string, Record<string, unknown>>;

/** config/default.yaml as shipped, on free loopback ports. */
function defaultConfig(emulator: Record<string, unknown> = {}): Record<string, unknown> {
  const syslog = (defaults['sources']?.['syslog'] ?? {}) as Record<string, unknown>;
  return {
    ...defaults,
    sources: { ...defaults['sources'], syslog: { ...syslog, address: '127.0.0.1', port: 0 } },
    server: { ...defaults['server'], port: 0 },
    emulator: { ...defaults['emulator'], port: 0, ...emulator },
  };
}

const eventTime = new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');

function cloudTrailFile(request: number, run: string): string {
  const Records = Array.from({ length: RECORDS_PER_REQUEST }, (_, i) => ({
    eventVersion: '1.08',
    userIdentity: { type: 'IAMUser', principalId: 'AIDAEXAMPLE', arn: 'arn:aws:iam::111122223333:user/ops', accountId: '111122223333', userName: 'ops' },
    eventTime,
    eventSource: 's3.amazonaws.com',
    eventName: 'PutObject',
    awsRegion: 'eu-west-1',
    sourceIPAddress: '198.51.100.7',
    userAgent: 'aws-sdk-js/3.500.0',
    requestParameters: { bucketName: 'audit', key: `objects/${request}/${i}.json` },
    responseElements: null,
    eventID: `${run}-${request}-${i}`,
    eventType: 'AwsApiCall',
    recipientAccountId: '111122223333',
  }));
  return JSON.stringify({ Records });
}

/** Rows of one stream under data/emulator; a line torn by the kill is skipped (its batch was never answered, so it is sent again). */
function emulatorRows(dir: string, stream: string): Array<Record<string, unknown>> {
  const file = join(dir, 'data/emulator', `${stream}.ndjson`);
  if (!existsSync(file)) return [];
  const rows: Array<Record<string, unknown>> = [];
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      rows.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // torn by SIGKILL
    }
  }
  return rows;
}

/** Streams syslog over TCP at about 20,000 lines/s (as fast as the agent reads, if slower) until stopped. */
function syslogLoad(port: number, run: string): { stop(): number } {
  const socket: Socket = connect(port, '127.0.0.1');
  let sent = 0;
  socket.on('error', () => clearInterval(timer));
  const timer = setInterval(() => {
    if (socket.writableNeedDrain || !socket.writable) return;
    let chunk = '';
    for (let i = 0; i < 1000; i++, sent++) chunk += `<86>1 ${new Date().toISOString()} load-host sshd 4242 - - ${run} load line ${sent} user=ops src=198.51.100.7\n`;
    socket.write(chunk);
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      socket.destroy();
      return sent;
    },
  };
}

/** POSTs a CloudTrail file like a cloud sender: a 503 (the agent is full) is retried after a pause. */
async function postUntilAccepted(port: number, body: string): Promise<{ status: number; accepted: number | undefined; retries: number }> {
  for (let retries = 0; ; retries++) {
    const response = await fetch(`http://127.0.0.1:${port}/v1/aws/cloudtrail`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const answer = (await response.json()) as { accepted?: number };
    if (response.status !== 503 || retries >= 50) return { status: response.status, accepted: answer.accepted, retries };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

for (const { name, faults } of [
  { name: 'emulator up', faults: [] },
  { name: 'emulator down (503)', faults: [{ action: 'status', status: 503 }] },
]) {
  void t.test(`SIGKILL right after ${REQUESTS}×${RECORDS_PER_REQUEST} CloudTrail acknowledgements, ${name}: a restart delivers every one`, async (t) => {
    const run = name.startsWith('emulator up') ? 'up' : 'down';
    const first = await startAgent(defaultConfig({ faults }));
    t.teardown(() => first.stop('SIGKILL'));
    const load = syslogLoad(first.tcpPort, run);
    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, request) => ({ request, ...(await postUntilAccepted(first.httpPort, cloudTrailFile(request, run))) })),
    );
    first.process.kill('SIGKILL');
    await first.exited;
    const linesSent = load.stop();
    const acknowledged = new Set<string>();
    for (const { request, status, accepted } of answers) {
      if (status !== 200) continue;
      if (accepted !== RECORDS_PER_REQUEST) t.fail(`request ${request}: ${accepted} of ${RECORDS_PER_REQUEST} records accepted`);
      for (let i = 0; i < RECORDS_PER_REQUEST; i++) acknowledged.add(`${run}-${request}-${i}`);
    }
    t.equal(acknowledged.size, REQUESTS * RECORDS_PER_REQUEST, `every request was acknowledged (${answers.reduce((sum, { retries }) => sum + retries, 0)} retries after 503)`);
    const landedBeforeKill = new Set(emulatorRows(first.dir, 'Custom-AWSCloudTrail').map((row) => row['AwsEventId'])).size;
    if (faults.length > 0) t.equal(landedBeforeKill, 0, 'nothing could be delivered before the kill');

    const second: RunningAgent = await startAgent(defaultConfig(), { dir: first.dir });
    t.teardown(() => second.stop('SIGKILL'));
    const rows = await waitFor(
      () => {
        const found = emulatorRows(first.dir, 'Custom-AWSCloudTrail');
        const ids = new Set(found.map((row) => row['AwsEventId']));
        return [...acknowledged].every((id) => ids.has(id)) ? found : undefined;
      },
      60_000,
      'every acknowledged CloudTrail record in data/emulator after the restart',
    );
    const ids = rows.map((row) => String(row['AwsEventId']));
    const distinct = new Set(ids);
    t.ok([...acknowledged].every((id) => distinct.has(id)), `all ${acknowledged.size} acknowledged records landed (${landedBeforeKill} before the kill)`);
    t.comment(`${name}: ${ids.length - distinct.size} duplicate AWSCloudTrail rows; ${linesSent} syslog lines written over TCP during the run`);
    // A duplicate is the same bytes again; each record's audit row differs (its object key).
    const auditRows = await waitFor(
      () => {
        const found = new Set(emulatorRows(first.dir, 'Custom-ASimAuditEventLogs').map((row) => JSON.stringify(row)));
        return found.size >= acknowledged.size ? found : undefined;
      },
      30_000,
      'the ASIM audit row of every acknowledged record',
    );
    t.equal(auditRows.size, acknowledged.size, 'and its ASimAuditEventLogs row');
    // Duplicates are findable: a record has one AsimdRowId_CF however often it was delivered, shared by its raw and ASIM rows.
    const idOf = new Map<string, unknown>();
    let sameIds = true;
    for (const row of rows) {
      const event = String(row['AwsEventId']);
      if (idOf.has(event) && idOf.get(event) !== row['AsimdRowId_CF']) sameIds = false;
      idOf.set(event, row['AsimdRowId_CF']);
    }
    t.ok(sameIds && [...idOf.values()].every((id) => typeof id === 'string' && /^[0-9a-f]{16}$/.test(id)), 'each record has one AsimdRowId_CF across its copies');
    t.equal(new Set(idOf.values()).size, acknowledged.size, 'and no two records share one');
    const auditIds = new Set(emulatorRows(first.dir, 'Custom-ASimAuditEventLogs').map((row) => row['AsimdRowId_CF']));
    t.same([...auditIds].sort(), [...new Set(idOf.values())].sort(), 'the ASIM rows carry the ids of their raw rows');
    t.ok((await second.metric('asimd_journal_replayed_batches_total')) >= 1, 'the restart replayed the journal');
    t.equal(await second.stop(), 0);
  });
}
