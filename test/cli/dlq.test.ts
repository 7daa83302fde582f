import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import t from 'tap';
import { runDlqCommand } from '../../src/cli/dlq.ts';
import { buildConfig } from '../../src/config/load.ts';
import { dcrTemplate } from '../../src/dcr/template.ts';
import { emulatorConfig, startEmulator } from '../../src/emulator/index.ts';
import { parseDeadLetterFile, type DeadLetterFile } from '../../src/pipeline/dead-letter-reader.ts';

/*
 * `asimd dlq` in-process on real files: list and show on the fixtures in
 * test/fixtures/dlq (one with a torn last line), and replay end to end
 * against the emulator, first refusing the rows again, then taking them.
 */

const FIXTURES = new URL('../fixtures/dlq/', import.meta.url).pathname;
const REPO = new URL('../../', import.meta.url).pathname;
const DCR = 'dcr-00000000000000000000000000000000';
const TOKEN = 'dlq-test-token';
const logger = pino({ level: 'silent' });

interface Run {
  code: number;
  out: string;
  err: string;
}

async function dlq(config: string, ...args: string[]): Promise<Run> {
  let out = '';
  let err = '';
  const code = await runDlqCommand(args, config, {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
  });
  return { code, out, err };
}

function writeConfig(dir: string, config: Record<string, unknown>): string {
  const file = join(dir, 'asimd.yaml');
  writeFileSync(file, JSON.stringify({ log: { level: 'silent' }, ...config }));
  return file;
}

/** A temp dir with a copy of the fixtures as its dead-letter directory. */
function fixtureSetup(): { dir: string; deadLetter: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'asimd-dlq-'));
  const deadLetter = join(dir, 'deadletter');
  cpSync(FIXTURES, deadLetter, { recursive: true });
  return { dir, deadLetter, config: writeConfig(dir, { deadLetter: { directory: deadLetter } }) };
}

function listed(run: Run): Array<Record<string, unknown>> {
  return run.out
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function readDeadLetter(file: string): DeadLetterFile {
  return parseDeadLetterFile(file, readFileSync(file));
}

void t.test('list: a table of every entry, counts per stream and reason, the torn line counted', async (t) => {
  const { config } = fixtureSetup();
  const run = await dlq(config, 'list');
  t.equal(run.code, 0, run.err);
  const lines = run.out.split('\n');
  t.match(lines[0], /^ID\s+TIME\s+STREAM\s+REASON\s+ERROR$/);
  const entryLines = lines.filter((line) => /^[0-9a-f]{12}\s/.test(line));
  t.equal(entryLines.length, 6, '4 rows and 2 records; the torn line is not an entry');
  t.match(run.out, /6 entries: 4 row\(s\), 2 record\(s\)/);
  t.match(run.out, /Custom-Syslog\s+status_400\s+2\n/);
  t.match(run.out, /Custom-Syslog\s+row_too_large\s+1\n/);
  t.match(run.out, /aws_cloudtrail\s+not_json\s+1\n/);
  t.match(run.out, /Custom-Syslog\.ndjson: 1 torn last line \(line 4/);
  const syslogLine = entryLines.find((line) => line.includes('2026-03-01T10:00:00.000Z')) ?? '';
  t.match(syslogLine, /Custom-Syslog\s+status_400\s+400 InvalidPayload: Record 0: column 'ExtraColumn'/);
  t.ok(syslogLine.endsWith('…'), 'the error is cut');
  t.notMatch(syslogLine, /dcr-00000000000000000000000000000000/, 'to about 80 characters');
  t.match(entryLines.find((line) => line.includes('not_json')), /\(record: not replayable\)/);
});

void t.test('list --json: one object per entry, IDs stable across runs', async (t) => {
  const { config } = fixtureSetup();
  const first = await dlq(config, 'list', '--json');
  t.equal(first.code, 0, first.err);
  const entries = listed(first);
  t.equal(entries.length, 6);
  t.same(
    entries.map((entry) => `${String(entry['stream'])} ${String(entry['kind'])}`),
    ['Custom-CommonSecurityLog row', 'Custom-Syslog row', 'Custom-Syslog row', 'Custom-Syslog row', 'aws_cloudtrail record', 'aws_cloudtrail record'],
  );
  t.ok(entries.every((entry) => /^[0-9a-f]{12}$/.test(String(entry['id']))), 'short hex IDs');
  t.equal(new Set(entries.map((entry) => entry['id'])).size, 6, 'unique');
  t.match(entries[1], { time: '2026-03-01T10:00:00.000Z', reason: 'status_400', line: 1, row: { Computer: 'fw1', ExtraColumn: 'a' } });
  t.match(entries[5], { reason: 'not_json', record: '{"eventVersion":"1.08","eventName":' });
  t.match(first.err, /torn last line/, 'notes go to stderr, keeping stdout NDJSON');
  const second = listed(await dlq(config, 'list', '--json'));
  t.same(
    second.map((entry) => entry['id']),
    entries.map((entry) => entry['id']),
    'same IDs on a second run',
  );
});

void t.test('list --stream and --since filter', async (t) => {
  const { config } = fixtureSetup();
  const ids = async (...args: string[]): Promise<string[]> => {
    const run = await dlq(config, 'list', '--json', ...args);
    t.equal(run.code, 0, run.err);
    return listed(run).map((entry) => `${String(entry['stream'])}@${String(entry['time'])}`);
  };
  t.same(await ids('--stream', 'Custom-Syslog'), ['Custom-Syslog@2026-03-01T10:00:00.000Z', 'Custom-Syslog@2026-03-02T10:00:00.000Z', 'Custom-Syslog@2026-03-03T12:00:00.000Z']);
  t.same(await ids('--since', '2026-03-02T10:00:00Z'), [
    'Custom-CommonSecurityLog@2026-03-02T11:00:00.000Z',
    'Custom-Syslog@2026-03-02T10:00:00.000Z',
    'Custom-Syslog@2026-03-03T12:00:00.000Z',
    'aws_cloudtrail@2026-03-03T09:30:00.000Z',
  ]);
  t.same(await ids('--stream', 'aws_cloudtrail', '--since', '2026-03-03'), ['aws_cloudtrail@2026-03-03T09:30:00.000Z']);
  t.same(await ids('--since', '1h'), [], 'an age: nothing in the last hour');
  const none = await dlq(config, 'list', '--stream', 'Custom-Nothing');
  t.equal(none.code, 0);
  t.match(none.out, /no dead-letter entries match/);
  const bad = await dlq(config, 'list', '--since', 'last tuesday');
  t.equal(bad.code, 64);
  t.match(bad.err, /--since: expected an ISO 8601 time/);
});

void t.test('show ID: the whole entry, the row indented; a prefix works; records are marked not replayable', async (t) => {
  const { config } = fixtureSetup();
  const entries = listed(await dlq(config, 'list', '--json'));
  const id = String(entries[2]?.['id']);
  const run = await dlq(config, 'show', id);
  t.equal(run.code, 0, run.err);
  t.match(run.out, new RegExp(`^ID\\s+${id}\\n`));
  t.match(run.out, /File\s+\S+Custom-Syslog\.ndjson, line 2\n/);
  t.match(run.out, /Error\s+400 InvalidPayload: Record 0: column 'ExtraColumn' is not declared in stream 'Custom-Syslog' of data collection rule 'dcr-00000000000000000000000000000000'\.\n/, 'the whole error');
  t.match(run.out, /Row\n\{\n {2}"TimeGenerated": "2026-03-02T09:59:58\.000Z",\n {2}"Computer": "fw2",/);
  t.match(run.out, /"SyslogMessage": "second refused row — ünïcödé"/);
  t.equal((await dlq(config, 'show', id.slice(0, 6))).out, run.out, 'a unique prefix');
  const json = await dlq(config, 'show', id, '--json');
  t.match(JSON.parse(json.out), { id, stream: 'Custom-Syslog', line: 2, row: { ExtraColumn: 'b' } });
  const record = await dlq(config, 'show', String(entries[4]?.['id']));
  t.equal(record.code, 0);
  t.match(record.out, /Source\s+aws_cloudtrail\n/);
  t.match(record.out, /Record \(not replayable by asimd dlq replay/);
  t.match(record.out, /\[\n {2}"eventVersion",\n {2}"1\.08"\n\]/, 'a JSON record pretty-printed');
});

void t.test('show of an unknown ID exits 64 with a message', async (t) => {
  const { config } = fixtureSetup();
  const run = await dlq(config, 'show', 'ffffffffffff');
  t.equal(run.code, 64);
  t.match(run.err, /no dead-letter entry "ffffffffffff"/);
  t.equal(run.out, '');
  t.equal((await dlq(config, 'show')).code, 64, 'no ID');
});

void t.test('usage and configuration errors', async (t) => {
  const { dir, config } = fixtureSetup();
  t.equal((await dlq(config)).code, 64, 'no command');
  t.equal((await dlq(config, 'frobnicate')).code, 64, 'unknown command');
  t.equal((await dlq(config, 'list', '--dry-run')).code, 64, 'an option of another command');
  t.equal((await dlq(config, 'list', 'extra')).code, 64, 'an extra argument');
  t.equal((await dlq(config, 'replay', '--timeout', '0')).code, 64, 'a bad timeout');
  const help = await dlq(config, '--help');
  t.equal(help.code, 0);
  t.match(help.out, /asimd dlq replay \[--stream S\] \[--since T\] \[--dry-run\]/);
  t.equal((await dlq(join(dir, 'absent.yaml'), 'list')).code, 78, 'a missing config file');
  const invalid = writeConfig(dir, { deadLetter: { directory: 7 } });
  const run = await dlq(invalid, 'list');
  t.equal(run.code, 78);
  t.match(run.err, /deadLetter\.directory: must be string/);
  const other = await dlq(config, 'list', '--config', invalid);
  t.equal(other.code, 78, '--config overrides the default config path');
});

void t.test('replay --dry-run counts the batches and changes nothing', async (t) => {
  const { deadLetter, config } = fixtureSetup();
  const before = readFileSync(join(deadLetter, 'Custom-Syslog.ndjson'));
  const run = await dlq(config, 'replay', '--dry-run');
  t.equal(run.code, 0, run.err);
  // Custom-Syslog's 3 rows span two days: more than the 30-minute span of one batch.
  t.match(run.out, /would replay 4 rows \(Custom-CommonSecurityLog 1, Custom-Syslog 3\) in 4 batches/);
  t.match(run.out, /2 records not replayable by this command \(aws_cloudtrail 2\)/);
  t.same(readFileSync(join(deadLetter, 'Custom-Syslog.ndjson')), before, 'the torn file is untouched');
  const filtered = await dlq(config, 'replay', '--dry-run', '--stream', 'aws_cloudtrail');
  t.equal(filtered.code, 0);
  t.match(filtered.out, /no dead-lettered rows to replay/);
});

/** Dead-lettered rows written as DeadLetterStore writes them. */
function rowLine(stream: string, error: string, row: Record<string, unknown>): string {
  return `{"time":${JSON.stringify(new Date(Date.now() - 60_000).toISOString())},"stream":${JSON.stringify(stream)},"reason":"status_400","error":${JSON.stringify(error)},"row":${JSON.stringify(row)}}\n`;
}

void t.test('replay end to end: refused again while the DCR lacks the column, delivered once it has it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'asimd-dlq-replay-'));
  const deadLetter = join(dir, 'deadletter');
  mkdirSync(deadLetter);
  cpSync(join(FIXTURES, 'aws_cloudtrail.ndjson'), join(deadLetter, 'aws_cloudtrail.ndjson'));
  const now = Date.now();
  const time = (offset: number): string => new Date(now - offset).toISOString();
  const refused = "400 InvalidPayload: Record 0: column 'ExtraColumn' is not declared in stream 'Custom-Syslog'";
  const syslogFile = join(deadLetter, 'Custom-Syslog.ndjson');
  writeFileSync(
    syslogFile,
    ['a', 'b', 'c'].map((extra, index) => rowLine('Custom-Syslog', refused, { TimeGenerated: time(3000 - index), Computer: `fw-${extra}`, SyslogMessage: `row ${extra}`, ExtraColumn: extra })).join('') +
      rowLine('Custom-Syslog', '503: earlier trouble', { TimeGenerated: time(1000), Computer: 'fw-ok', SyslogMessage: 'a row the DCR always took' }) +
      '{"time":"2026-03-04T00:00:00.000Z","stream":"Custom-Syslog","reason":"status_400","er',
  );
  const cslFile = join(deadLetter, 'Custom-CommonSecurityLog.ndjson');
  writeFileSync(cslFile, rowLine('Custom-CommonSecurityLog', '503: earlier trouble', { TimeGenerated: time(2000), DeviceVendor: 'Acme', DeviceProduct: 'FW', Activity: 'deny' }));
  const recordsBefore = readFileSync(join(deadLetter, 'aws_cloudtrail.ndjson'));
  const cslBefore = readFileSync(cslFile);

  const configFor = (emulator: { url: string; certificateFile: string }): string =>
    writeConfig(dir, {
      deadLetter: { directory: deadLetter },
      sink: {
        type: 'azure-logs-ingestion',
        azure: { targets: [{ endpoint: emulator.url, dcrImmutableId: DCR }], auth: { type: 'static-token', token: TOKEN }, caFile: emulator.certificateFile },
      },
      delivery: { maxRetryDelayMs: 500 },
    });

  // 1. The DCR as shipped: ExtraColumn is not declared.
  const strict = await startEmulator(emulatorConfig({ port: 0, dataDirectory: join(dir, 'emulator-strict'), staticTokens: [TOKEN] }), { logger, baseDirectory: REPO });
  t.teardown(() => strict.close());
  let config = configFor(strict);
  const before = listed(await dlq(config, 'list', '--json'));
  const recordIds = before.filter((entry) => entry['kind'] === 'record').map((entry) => entry['id']);
  const cslId = before.find((entry) => entry['stream'] === 'Custom-CommonSecurityLog')?.['id'];

  const first = await dlq(config, 'replay', '--stream', 'Custom-Syslog', '--timeout', '30');
  t.equal(first.code, 70, 'not every row could be delivered');
  t.match(first.out, /replaying 4 rows \(Custom-Syslog 4\)/);
  t.match(first.out, /sent 1, refused again 3, left 0\n/);
  t.match(first.out, /dead-lettered again with the new error, e.g. 400 InvalidPayload: Record 0: column 'ExtraColumn' is not declared in stream 'Custom-Syslog' of data collection rule/);
  t.same(
    strict.rows('Custom-Syslog').map((row) => row['SyslogMessage']),
    ['a row the DCR always took'],
    'the good row was delivered',
  );
  let syslog = readDeadLetter(syslogFile);
  t.equal(syslog.entries.length, 3, 'the refused rows stay');
  t.same(syslog.entries.map((entry) => (entry.kind === 'row' ? (entry.row as Record<string, unknown>)['ExtraColumn'] : undefined)).sort(), ['a', 'b', 'c']);
  for (const entry of syslog.entries) {
    t.match(entry.error, /of data collection rule 'dcr-0{32}'\.$/, 'with the emulator\'s error');
    t.ok(Date.parse(entry.time) >= now, 'dead-lettered anew');
  }
  t.equal(syslog.invalidLines.length, 1, 'the torn line is kept, ended by a newline, and not glued to a new entry');
  t.equal(syslog.tornLine, undefined);
  t.same(readFileSync(cslFile), cslBefore, '--stream left the other stream alone');
  t.same(readFileSync(join(deadLetter, 'aws_cloudtrail.ndjson')), recordsBefore, 'records are not touched');
  await strict.close();

  // 2. The DCR fixed: ExtraColumn declared.
  const template = dcrTemplate(buildConfig({}, {}).streams);
  template.resources[0]?.properties.streamDeclarations['Custom-Syslog']?.columns.push({ name: 'ExtraColumn', type: 'string' });
  const fixed = await startEmulator(emulatorConfig({ port: 0, dataDirectory: join(dir, 'emulator-fixed'), staticTokens: [TOKEN] }), {
    logger,
    baseDirectory: REPO,
    templates: { [DCR]: template },
  });
  t.teardown(() => fixed.close());
  config = configFor(fixed);
  const middle = listed(await dlq(config, 'list', '--json'));
  t.same(middle.filter((entry) => entry['kind'] === 'record').map((entry) => entry['id']), recordIds, 'IDs of untouched entries do not change');
  t.equal(middle.find((entry) => entry['stream'] === 'Custom-CommonSecurityLog')?.['id'], cslId);

  const second = await dlq(config, 'replay', '--timeout', '30');
  t.equal(second.code, 0, second.err);
  t.match(second.out, /replaying 4 rows \(Custom-CommonSecurityLog 1, Custom-Syslog 3\)/);
  t.match(second.out, /sent 4, refused again 0, left 0\n/);
  t.match(second.out, /2 records not replayable by this command \(aws_cloudtrail 2\)/);
  t.same(
    fixed
      .rows('Custom-Syslog')
      .map((row) => row['ExtraColumn'])
      .sort(),
    ['a', 'b', 'c'],
    'the emulator has the rows',
  );
  t.match(fixed.rows('Custom-CommonSecurityLog'), [{ DeviceVendor: 'Acme', Activity: 'deny' }]);
  syslog = readDeadLetter(syslogFile);
  t.equal(syslog.entries.length, 0, 'the dead-letter file no longer holds them');
  t.equal(syslog.invalidLines.length, 1, 'only the torn line is left');
  t.notOk(existsSync(cslFile), 'a file left empty is removed');
  t.same(readFileSync(join(deadLetter, 'aws_cloudtrail.ndjson')), recordsBefore, 'records are still not touched');
  const after = listed(await dlq(config, 'list', '--json'));
  t.same(
    after.map((entry) => entry['id']),
    recordIds,
    'only the records are listed',
  );
});

void t.test('replay through the in-process emulator of the config', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'asimd-dlq-inproc-'));
  const deadLetter = join(dir, 'deadletter');
  const file = join(deadLetter, 'Custom-Syslog.ndjson');
  mkdirSync(deadLetter);
  const rows = [0, 1].map((index) => rowLine('Custom-Syslog', '503: earlier trouble', { TimeGenerated: new Date().toISOString(), Computer: 'fw', SyslogMessage: `in-process ${index}` }));
  writeFileSync(file, rows.join(''));
  const config = writeConfig(dir, {
    deadLetter: { directory: deadLetter },
    emulator: { enabled: true, port: 0, dataDirectory: join(dir, 'emulator') },
    sink: { type: 'azure-logs-ingestion' },
  });
  const run = await dlq(config, 'replay');
  t.equal(run.code, 0, run.err);
  t.match(run.out, /sent 2, refused again 0, left 0\n/);
  const delivered = readFileSync(join(dir, 'emulator', 'Custom-Syslog.ndjson'), 'utf8').trim().split('\n');
  t.same(
    delivered.map((line) => (JSON.parse(line) as Record<string, unknown>)['SyslogMessage']),
    ['in-process 0', 'in-process 1'],
  );
  t.notOk(existsSync(file), 'the dead-letter file is gone');
});

void t.test('replay that cannot deliver before --timeout: exit 70, the rows stay as they were', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'asimd-dlq-down-'));
  const deadLetter = join(dir, 'deadletter');
  const file = join(deadLetter, 'Custom-Syslog.ndjson');
  mkdirSync(deadLetter);
  writeFileSync(file, [0, 1, 2].map((index) => rowLine('Custom-Syslog', '503: earlier trouble', { TimeGenerated: new Date().toISOString(), SyslogMessage: `kept ${index}` })).join(''));
  const before = readFileSync(file);
  const emulator = await startEmulator(
    emulatorConfig({ port: 0, dataDirectory: join(dir, 'emulator'), staticTokens: [TOKEN], faults: [{ action: 'status', status: 503, retryAfterSeconds: 1 }] }),
    { logger, baseDirectory: REPO },
  );
  t.teardown(() => emulator.close());
  const config = writeConfig(dir, {
    deadLetter: { directory: deadLetter },
    sink: { type: 'azure-logs-ingestion', azure: { targets: [{ endpoint: emulator.url, dcrImmutableId: DCR }], auth: { type: 'static-token', token: TOKEN }, caFile: emulator.certificateFile } },
  });
  const started = Date.now();
  const run = await dlq(config, 'replay', '--timeout', '1.5');
  t.equal(run.code, 70);
  t.ok(Date.now() - started < 10_000, 'bounded by --timeout');
  t.match(run.out, /sent 0, refused again 0, left 3\n/);
  t.match(run.out, /left: 3 rows not delivered within 1\.5 s \(last problem: status_503\)/);
  t.same(readFileSync(file), before, 'the dead-letter file is unchanged');
  t.same(emulator.rows('Custom-Syslog'), []);
});
