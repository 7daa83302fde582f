import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import t from 'tap';
import { dcrTemplate } from '../../src/dcr/template.ts';
import { DCR_ID, INGEST_PATH, STREAM, errorOf, startHarness, syslogRow } from '../fixtures/emulator/harness.ts';

const MiB = 1024 * 1024;
const TOO_LARGE = /^Maximum allowed content length: 1048576 bytes \(1 MB\)\. Provided content length: (\d+) bytes\.$/;

void t.test('401 InvalidToken without a token or with an unknown one, in the ErrorResponse shape', async (t) => {
  const h = await startHarness(t);
  const missing = await h.ingest(undefined, [syslogRow()]);
  t.equal(missing.status, 401);
  t.equal(missing.headers['x-ms-error-code'], 'InvalidToken');
  t.match(missing.headers['content-type'], /^application\/json/);
  t.same(Object.keys(missing.json as object), ['error']);
  t.equal(errorOf(missing).code, 'InvalidToken');
  t.type(errorOf(missing).message, 'string');
  const unknown = await h.ingest('not-a-token-we-issued', [syslogRow()]);
  t.equal(unknown.status, 401);
  t.equal(errorOf(unknown).code, 'InvalidToken');
  t.same(h.emulator.rows(STREAM), [], 'nothing stored');
});

void t.test('a client-credentials token lets a POST in: 204, empty body, the row in <dataDirectory>/Custom-Syslog.ndjson', async (t) => {
  const h = await startHarness(t);
  const token = await h.token();
  const row = syslogRow({ SyslogMessage: 'first row' });
  const response = await h.ingest(token, [row], { headers: { 'x-ms-client-request-id': 'f0e1d2c3-0000-4000-8000-000000000001' } });
  t.equal(response.status, 204);
  t.equal(response.text, '');
  t.equal(response.headers['x-ms-client-request-id'], 'f0e1d2c3-0000-4000-8000-000000000001', 'the client request id is echoed');
  const file = join(h.emulator.dataDirectory, 'Custom-Syslog.ndjson');
  const lines = readFileSync(file, 'utf8').split('\n').filter((line) => line !== '');
  t.equal(lines.length, 1);
  t.same(JSON.parse(lines[0] ?? '{}'), row, 'stored as sent');
  t.same(h.emulator.rows(STREAM), [row]);
  const second = await h.ingest(token, [syslogRow({ SyslogMessage: 'second' }), syslogRow({ SyslogMessage: 'third' })], { gzip: false });
  t.equal(second.status, 204, 'an uncompressed body works too');
  t.same(h.emulator.rows(STREAM).map((stored) => stored['SyslogMessage']), ['first row', 'second', 'third'], 'appended in order');
});

void t.test('api-version is read from decoded query parameter names', async (t) => {
  const h = await startHarness(t);
  const token = await h.token();
  t.equal((await h.ingest(token, [syslogRow()], { apiVersionParam: 'api%2Dversion' })).status, 204, 'api%2Dversion (as the JS SDK sends it)');
  t.equal((await h.ingest(token, [syslogRow()], { apiVersion: '2021-11-01-preview' })).status, 204);
  t.equal((await h.ingest(token, [syslogRow()], { apiVersion: '2023-04-01-preview' })).status, 204);
  const bad = await h.ingest(token, [syslogRow()], { apiVersion: '2020-01-01' });
  t.equal(bad.status, 400);
  t.equal(bad.headers['x-ms-error-code'], 'UnsupportedApiVersion');
  const missing = await h.call('POST', INGEST_PATH, { headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '[]' });
  t.equal(missing.status, 400);
  t.equal(errorOf(missing).code, 'MissingApiVersionParameter');
  t.equal(h.emulator.rows(STREAM).length, 3);
});

void t.test('404 for an unknown DCR and for a stream the DCR does not declare', async (t) => {
  const h = await startHarness(t);
  const token = await h.token();
  const dcr = await h.ingest(token, [syslogRow()], { path: `/dataCollectionRules/dcr-0123456789abcdef0123456789abcdef/streams/${STREAM}` });
  t.equal(dcr.status, 404);
  t.equal(errorOf(dcr).code, 'NotFound');
  t.match(errorOf(dcr).message, 'dcr-0123456789abcdef0123456789abcdef');
  const stream = await h.ingest(token, [syslogRow()], { path: `/dataCollectionRules/${DCR_ID}/streams/Custom-Nope` });
  t.equal(stream.status, 404);
  t.equal(stream.headers['x-ms-error-code'], 'InvalidStream');
  t.match(errorOf(stream).message, /Custom-Nope.*Declared streams: Custom-Syslog/);
  const route = await h.call('GET', '/nothing/here');
  t.equal(route.status, 404);
  t.equal(errorOf(route).code, 'NotFound');
});

void t.test('403 OperationFailed for a client not allowed on the DCR', async (t) => {
  const h = await startHarness(t, {
    clients: [
      { clientId: 'writer', clientSecret: 'w-secret', dcrs: [DCR_ID] },
      { clientId: 'elsewhere', clientSecret: 'e-secret', dcrs: ['dcr-11111111111111111111111111111111'] },
    ],
  });
  const denied = await h.ingest(await h.token('elsewhere', 'e-secret'), [syslogRow()]);
  t.equal(denied.status, 403);
  t.equal(denied.headers['x-ms-error-code'], 'OperationFailed');
  t.match(errorOf(denied).message, `does not have access to ingest data for the data collection rule with immutable Id '${DCR_ID}'`);
  t.match(errorOf(denied).message, 'PipelineAccessResult: AccessGranted: False');
  t.equal((await h.ingest(await h.token('writer', 'w-secret'), [syslogRow()])).status, 204);
  t.equal(h.emulator.rows(STREAM).length, 1);
});

void t.test('413 ContentLengthLimitExceeded past 1,048,576 bytes, as sent and after gunzip; exactly 1 MiB passes', async (t) => {
  const h = await startHarness(t);
  const token = await h.token();

  // Exactly 1,048,576 bytes of JSON: padded rows.
  const rows = Array.from({ length: 200 }, () => syslogRow({ SyslogMessage: 'm'.repeat(4000) }));
  const base = Buffer.byteLength(JSON.stringify(rows));
  const last = rows[rows.length - 1] ?? {};
  last['SyslogMessage'] = 'm'.repeat(4000 + (MiB - base));
  const exact = Buffer.from(JSON.stringify(rows));
  t.equal(exact.length, MiB, 'the body is exactly 1 MiB');
  t.equal((await h.ingest(token, exact, { gzip: false })).status, 204, 'uncompressed, exactly at the limit');
  t.equal((await h.ingest(token, exact)).status, 204, 'gzip, inflating to exactly the limit');

  const over = Buffer.concat([exact.subarray(0, exact.length - 1), Buffer.from(' ]')]);
  const uncompressed = await h.ingest(token, over, { gzip: false });
  t.equal(uncompressed.status, 413);
  t.equal(uncompressed.headers['x-ms-error-code'], 'ContentLengthLimitExceeded');
  t.equal(errorOf(uncompressed).message, `Maximum allowed content length: 1048576 bytes (1 MB). Provided content length: ${MiB + 1} bytes.`);

  const inflated = await h.ingest(token, over);
  t.equal(inflated.status, 413, 'a small gzip body that inflates past 1 MiB');
  t.match(errorOf(inflated).message, TOO_LARGE);

  const incompressible = gzipSync(randomBytes(MiB + 4096), { level: 0 });
  const compressed = await h.call('POST', `${INGEST_PATH}?api-version=2023-01-01`, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: incompressible,
  });
  t.equal(compressed.status, 413, 'a gzip body over 1 MiB as sent');
  t.equal(errorOf(compressed).message, `Maximum allowed content length: 1048576 bytes (1 MB). Provided content length: ${incompressible.length} bytes.`);

  // A gzip bomb: 256 MiB of zeros in a quarter of a megabyte. Inflation stops right past the limit.
  const bomb = gzipSync(Buffer.alloc(256 * MiB), { level: 9 });
  t.ok(bomb.length < MiB, `the bomb is ${bomb.length} bytes compressed`);
  const bombed = await h.call('POST', `${INGEST_PATH}?api-version=2023-01-01`, {
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
    body: bomb,
  });
  t.equal(bombed.status, 413);
  const recorded = h.emulator.requests().at(-1);
  t.equal(recorded?.errorCode, 'ContentLengthLimitExceeded');
  t.ok((recorded?.bytesDecoded ?? Infinity) < 2 * MiB, `inflation stopped after ${recorded?.bytesDecoded} bytes`);
  t.equal(h.emulator.rows(STREAM).length, 400, 'only the two bodies at the limit were stored');
});

void t.test('400 InvalidPayload names an undeclared column, a wrong-typed column, and a body that is not an array of objects', async (t) => {
  const h = await startHarness(t);
  const token = await h.token();
  const undeclared = await h.ingest(token, [syslogRow(), syslogRow({ Severity: 'high' })]);
  t.equal(undeclared.status, 400);
  t.equal(undeclared.headers['x-ms-error-code'], 'InvalidPayload');
  t.equal(errorOf(undeclared).target, 'Severity');
  t.match(errorOf(undeclared).message, /Record 1: column 'Severity' is not declared in stream 'Custom-Syslog'/);

  const wrongType = await h.ingest(token, [syslogRow({ ProcessID: '4242' })]);
  t.equal(wrongType.status, 400);
  t.equal(errorOf(wrongType).target, 'ProcessID');
  t.match(errorOf(wrongType).message, /column 'ProcessID' is of type int .*got string/);

  const badTime = await h.ingest(token, [syslogRow({ EventTime: 'yesterday' })]);
  t.equal(badTime.status, 400);
  t.match(errorOf(badTime).message, /'EventTime' is of type datetime/);

  for (const [body, why] of [
    ['{"TimeGenerated":"2026-01-01T00:00:00Z"}', 'an object, not an array'],
    ['[1, 2]', 'an array of numbers'],
    ['[{"Computer": "a"', 'truncated JSON'],
  ] as const) {
    const response = await h.ingest(token, body);
    t.equal(response.status, 400, why);
    t.equal(errorOf(response).code, 'InvalidPayload', why);
  }
  const notGzip = await h.ingest(token, '[]', { gzip: false, headers: { 'content-encoding': 'gzip' } });
  t.equal(notGzip.status, 400, 'says gzip but is not');
  t.match(errorOf(notGzip).message, /not valid gzip/);
  t.same(h.emulator.rows(STREAM), [], 'a bad call stores nothing, not even its good records');
});

void t.test('Content-Type application/json is required (415 UnsupportedMediaType)', async (t) => {
  const h = await startHarness(t);
  const token = await h.token();
  const plain = await h.ingest(token, [syslogRow()], { headers: { 'content-type': 'text/plain' } });
  t.equal(plain.status, 415);
  t.equal(plain.headers['x-ms-error-code'], 'UnsupportedMediaType');
  const none = await h.call('POST', `${INGEST_PATH}?api-version=2023-01-01`, { headers: { authorization: `Bearer ${token}` }, body: '[]' });
  t.equal(none.status, 415, 'no Content-Type at all');
  t.equal((await h.ingest(token, [syslogRow()], { headers: { 'content-type': 'application/json; charset=utf-8' } })).status, 204, 'parameters are fine');
});

void t.test('[] is a valid call: 204 and nothing stored', async (t) => {
  const h = await startHarness(t);
  const response = await h.ingest(await h.token(), []);
  t.equal(response.status, 204);
  t.notOk(existsSync(join(h.emulator.dataDirectory, 'Custom-Syslog.ndjson')));
});

void t.test('400 RecordsTimeRangeIsMoreThan30Minutes when TimeGenerated values span more than 30 minutes', async (t) => {
  const h = await startHarness(t);
  const token = await h.token();
  const now = Date.now();
  const at = (minutesAgo: number) => syslogRow({ TimeGenerated: new Date(now - minutesAgo * 60_000).toISOString() });
  const wide = await h.ingest(token, [at(0), at(10), at(31)]);
  t.equal(wide.status, 400);
  t.equal(wide.headers['x-ms-error-code'], 'RecordsTimeRangeIsMoreThan30Minutes');
  t.equal((await h.ingest(token, [at(0), at(29)])).status, 204, '29 minutes is fine');

  const lenient = await startHarness(t, { timeSpanCheck: 'never' });
  t.equal((await lenient.ingest(await lenient.token(), [at(0), at(31)])).status, 204, "timeSpanCheck: 'never'");
});

void t.test('TimeGenerated more than 2 days old, more than 1 day ahead, or absent is replaced with the receive time', async (t) => {
  const h = await startHarness(t, { timeSpanCheck: 'never' });
  const token = await h.token();
  const now = Date.now();
  const kept = new Date(now - 3_600_000).toISOString();
  const rows = [
    syslogRow({ SyslogMessage: 'old', TimeGenerated: new Date(now - 3 * 86_400_000).toISOString() }),
    syslogRow({ SyslogMessage: 'future', TimeGenerated: new Date(now + 2 * 86_400_000).toISOString() }),
    syslogRow({ SyslogMessage: 'absent', TimeGenerated: undefined }),
    syslogRow({ SyslogMessage: 'kept', TimeGenerated: kept }),
  ];
  const before = Date.now();
  t.equal((await h.ingest(token, rows)).status, 204);
  const after = Date.now();
  const stored = new Map(h.emulator.rows(STREAM).map((row) => [row['SyslogMessage'], row['TimeGenerated']]));
  for (const name of ['old', 'future', 'absent']) {
    const value = Date.parse(String(stored.get(name)));
    t.ok(value >= before - 1 && value <= after + 1, `${name}: replaced with the receive time (${String(stored.get(name))})`);
  }
  t.equal(stored.get('kept'), kept, 'an hour-old value is kept');
  t.equal(h.emulator.stats().dcrs[DCR_ID]?.streams[STREAM]?.replacedTimeGenerated, 3);
});

void t.test('string values over 64 KB (65,536 UTF-8 bytes) are truncated when stored, and counted', async (t) => {
  const h = await startHarness(t);
  const token = await h.token();
  const ascii = 'x'.repeat(70_000);
  const accented = 'é'.repeat(40_000); // 80,000 bytes
  const fits = 'y'.repeat(65_536);
  t.equal((await h.ingest(token, [syslogRow({ SyslogMessage: ascii }), syslogRow({ SyslogMessage: accented, Computer: fits })])).status, 204);
  const [first, second] = h.emulator.rows(STREAM);
  t.equal(first?.['SyslogMessage'], 'x'.repeat(65_536));
  const cut = String(second?.['SyslogMessage']);
  t.equal(Buffer.byteLength(cut), 65_536, 'cut on a character boundary at 65,536 bytes');
  t.equal(cut, 'é'.repeat(32_768));
  t.equal(second?.['Computer'], fits, 'a value of exactly 65,536 bytes is kept');
  t.equal(h.emulator.stats().dcrs[DCR_ID]?.streams[STREAM]?.truncatedFields, 2);
});

void t.test('429 with Retry-After once the DCR\'s requests or bytes per minute are used up', async (t) => {
  const h = await startHarness(t, { dcrs: [{ immutableId: DCR_ID, requestsPerMinute: 2 }] });
  const token = await h.token();
  t.equal((await h.ingest(token, [syslogRow()])).status, 204);
  t.equal((await h.ingest(token, [syslogRow()])).status, 204);
  const limited = await h.ingest(token, [syslogRow()]);
  t.equal(limited.status, 429);
  t.equal(limited.headers['x-ms-error-code'], 'TooManyRequests');
  const retryAfter = Number(limited.headers['retry-after']);
  t.ok(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60, `Retry-After: ${limited.headers['retry-after']}`);
  t.equal(h.emulator.rows(STREAM).length, 2);

  const bytes = await startHarness(t, { dcrs: [{ immutableId: DCR_ID, bytesPerMinute: 1000 }] });
  const bytesToken = await bytes.token();
  const big = [syslogRow({ SyslogMessage: 'z'.repeat(1200) })];
  t.equal((await bytes.ingest(bytesToken, big)).status, 204, 'the call that crosses the byte budget is still taken');
  const overBudget = await bytes.ingest(bytesToken, big);
  t.equal(overBudget.status, 429);
  t.ok(Number(overBudget.headers['retry-after']) >= 1);
  await bytes.emulator.reset();
  t.equal((await bytes.ingest(bytesToken, big)).status, 204, 'reset() starts a new window');
});

void t.test('GET /emulator/stats counts requests per DCR, stream and status', async (t) => {
  const h = await startHarness(t);
  const token = await h.token();
  await h.ingest(token, [syslogRow(), syslogRow()]);
  await h.ingest(token, [syslogRow()], { gzip: false });
  await h.ingest(token, [syslogRow({ Nope: 1 })]);
  await h.ingest(undefined, [syslogRow()]);
  const response = await h.call('GET', '/emulator/stats');
  t.equal(response.status, 200);
  const stats = response.json as ReturnType<typeof h.emulator.stats>;
  const dcr = stats.dcrs[DCR_ID];
  const stream = dcr?.streams[STREAM];
  t.equal(dcr?.requests, 4);
  t.same(dcr?.byStatus, { '204': 2, '400': 1, '401': 1 });
  t.equal(stream?.requests, 3, 'the unauthenticated call never reached the stream');
  t.same(stream?.byStatus, { '204': 2, '400': 1 });
  t.equal(stream?.rowsAccepted, 3);
  t.equal(stream?.gzipRequests, 2);
  t.ok((stream?.bytesDecoded ?? 0) > (stream?.bytesRaw ?? 0), 'gzip bodies count smaller as received than decoded');
  t.equal(stats.tokensIssued, 1);
  t.equal(stats.byStatus['200'], 1, 'the token request');
});

void t.test("undeclaredColumns: 'drop' removes unknown columns as Azure does, and counts them", async (t) => {
  const h = await startHarness(t, { undeclaredColumns: 'drop' });
  t.equal((await h.ingest(await h.token(), [syslogRow({ Extra: 'x', SyslogMessage: 'dropped one' })])).status, 204);
  const [row] = h.emulator.rows(STREAM);
  t.equal(row?.['SyslogMessage'], 'dropped one');
  t.notOk(row !== undefined && 'Extra' in row);
  t.equal(h.emulator.stats().dcrs[DCR_ID]?.streams[STREAM]?.droppedColumns, 1);
});

void t.test('static tokens and in-memory templates (an agent with renamed streams)', async (t) => {
  const streams = {
    syslog: 'Custom-MySyslog',
    commonSecurityLog: 'Custom-MyCef',
    asimAuthentication: 'Custom-MyAuth',
    awsCloudTrail: 'Custom-MyTrail',
    gcpAuditLogs: 'Custom-MyGcp',
    asimAuditEvent: 'Custom-MyAudit',
  };
  const h = await startHarness(t, { staticTokens: ['test-token'] }, { templates: { [DCR_ID]: dcrTemplate(streams) } });
  t.same(h.emulator.dcrs(), { [DCR_ID]: Object.values(streams) });
  const renamed = await h.ingest('test-token', [syslogRow()], { path: `/dataCollectionRules/${DCR_ID}/streams/Custom-MySyslog` });
  t.equal(renamed.status, 204);
  t.equal(h.emulator.rows('Custom-MySyslog').length, 1);
  t.equal((await h.ingest('test-token', [syslogRow()])).status, 404, 'the file template is overridden');
});
