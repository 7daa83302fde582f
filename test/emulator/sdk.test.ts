import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ClientSecretCredential, ManagedIdentityCredential } from '@azure/identity';
import { LogsIngestionClient, isAggregateLogsUploadError } from '@azure/monitor-ingestion';
import t from 'tap';
import { DCR_ID, REPO_ROOT, STREAM, startHarness, syslogRow } from '../fixtures/emulator/harness.ts';

/*
 * The real @azure/identity 4.13.1 and @azure/monitor-ingestion 1.2.0 against the
 * emulator, trusting its certificate per client (tlsOptions: { ca }) or
 * process-wide (NODE_EXTRA_CA_CERTS, in a child process).
 */

const ROWS = [
  syslogRow({ SyslogMessage: 'sdk 1', AsimdFlags: 'unparsed' }),
  syslogRow({ SyslogMessage: 'sdk 2', ProcessName: undefined, ProcessID: undefined }),
];

void t.test('ClientSecretCredential + LogsIngestionClient with tlsOptions: { ca }', async (t) => {
  const h = await startHarness(t, { clients: [{ clientId: 'sdk-app', clientSecret: 'sdk-secret', dcrs: [DCR_ID] }] });
  const tlsOptions = { ca: h.emulator.certificatePem };
  const credential = new ClientSecretCredential('tenant-sdk', 'sdk-app', 'sdk-secret', {
    authorityHost: h.emulator.url,
    disableInstanceDiscovery: true,
    tlsOptions,
  });
  const client = new LogsIngestionClient(h.emulator.url, credential, { tlsOptions });
  await client.upload(DCR_ID, STREAM, ROWS);
  t.same(
    h.emulator.rows(STREAM).map((row) => row['SyslogMessage']),
    ['sdk 1', 'sdk 2'],
  );
  const kinds = h.emulator.requests().map((entry) => `${entry.kind} ${entry.status}`);
  t.same(kinds, ['openid-configuration 200', 'token 200', 'ingestion 204'], 'discovery, token, one gzip POST');
  const ingestion = h.emulator.requests().at(-1);
  t.equal(ingestion?.query['api-version'], '2023-01-01', 'api%2Dversion decoded');
  t.equal(ingestion?.headers['content-encoding'], 'gzip');
  t.match(ingestion?.headers['user-agent'], /azsdk-js-monitor-ingestion\/1\.2\.0/);
  t.equal(ingestion?.clientId, 'sdk-app');
});

void t.test('the SDK retries a 503 with Retry-After and surfaces a 413 as AggregateLogsUploadError', async (t) => {
  const h = await startHarness(t, { staticTokens: ['sdk-static'] });
  const credential = { getToken: async () => ({ token: 'sdk-static', expiresOnTimestamp: Date.now() + 3_600_000 }) };
  const client = new LogsIngestionClient(h.emulator.url, credential, { tlsOptions: { ca: h.emulator.certificatePem } });
  h.emulator.injectFault({ action: 'status', status: 503, retryAfterSeconds: 1, count: 1 });
  await client.upload(DCR_ID, STREAM, ROWS);
  t.same(
    h.emulator.requests().map((entry) => entry.status),
    [503, 204],
    'one 503, then the retry succeeded',
  );
  t.equal(h.emulator.rows(STREAM).length, 2);

  // A single record over 1 MiB is sent as its own chunk and refused.
  const huge = syslogRow({ SyslogMessage: 'h'.repeat(60_000), AsimdFlags: 'a'.repeat(1_100_000) });
  const error = await client.upload(DCR_ID, STREAM, [huge]).then(
    () => undefined,
    (err: unknown) => err,
  );
  t.ok(isAggregateLogsUploadError(error), 'upload() throws AggregateLogsUploadError');
  const cause = isAggregateLogsUploadError(error) ? (error.errors[0]?.cause as { statusCode?: number; code?: string }) : undefined;
  t.equal(cause?.statusCode, 413);
  t.equal(cause?.code, 'ContentLengthLimitExceeded', 'the SDK reads error.code from the body');
});

void t.test('ManagedIdentityCredential through IDENTITY_ENDPOINT (plain HTTP) and IDENTITY_HEADER', async (t) => {
  const h = await startHarness(t);
  const saved = { endpoint: process.env['IDENTITY_ENDPOINT'], header: process.env['IDENTITY_HEADER'] };
  process.env['IDENTITY_ENDPOINT'] = h.emulator.msiEndpoint;
  process.env['IDENTITY_HEADER'] = 'emulator-secret-header';
  t.teardown(() => {
    if (saved.endpoint === undefined) delete process.env['IDENTITY_ENDPOINT'];
    else process.env['IDENTITY_ENDPOINT'] = saved.endpoint;
    if (saved.header === undefined) delete process.env['IDENTITY_HEADER'];
    else process.env['IDENTITY_HEADER'] = saved.header;
  });
  const credential = new ManagedIdentityCredential();
  const client = new LogsIngestionClient(h.emulator.url, credential, { tlsOptions: { ca: h.emulator.certificatePem } });
  await client.upload(DCR_ID, STREAM, ROWS);
  t.equal(h.emulator.rows(STREAM).length, 2);
  const identity = h.emulator.requests().find((entry) => entry.kind === 'managed-identity');
  t.equal(identity?.status, 200);
  t.equal(identity?.headers['x-identity-header'], '(redacted)', 'sent, and not kept in the request log');
  t.equal(identity?.query['resource'], 'https://monitor.azure.com');
});

void t.test('NODE_EXTRA_CA_CERTS=<certificateFile> makes both SDKs trust the emulator with no TLS option', async (t) => {
  const h = await startHarness(t);
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', join(REPO_ROOT, 'scripts/ts-loader.mjs'), join(REPO_ROOT, 'test/fixtures/emulator/sdk-child.ts')], {
    cwd: REPO_ROOT,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: h.emulator.certificateFile, EMULATOR_URL: h.emulator.url },
  });
  t.same(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}'), { ok: true });
  t.same(
    h.emulator.rows(STREAM).map((row) => row['SyslogMessage']),
    ['from NODE_EXTRA_CA_CERTS'],
  );
  t.equal(h.emulator.requests().find((entry) => entry.kind === 'token')?.clientId, 'child-app');
});
