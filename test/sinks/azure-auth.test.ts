import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { generate } from 'selfsigned';
import t from 'tap';
import { buildConfig } from '../../src/config/load.ts';
import { emulatorConfig, startEmulator } from '../../src/emulator/index.ts';
import { Metrics } from '../../src/metrics/index.ts';
import { AzureLogsIngestionSink } from '../../src/sinks/azure-logs-ingestion/index.ts';

/*
 * Every auth type the sink supports, through @azure/identity, against the
 * emulator's Entra ID and managed-identity endpoints: the sink starts, its
 * probe is accepted, and a batch lands.
 */

const DCR = 'dcr-00000000000000000000000000000000';
const silent = pino({ level: 'silent' });
const dir = mkdtempSync(join(tmpdir(), 'asimd-auth-'));

const emulator = await startEmulator(
  emulatorConfig({
    port: 0,
    dataDirectory: join(dir, 'emulator'),
    clients: [{ clientId: 'secret-app', clientSecret: 'right-secret' }, { clientId: 'cert-app' }, { clientId: 'workload-app' }, { clientId: 'mi-app' }],
    staticTokens: ['static-test-token'],
  }),
  { logger: silent, baseDirectory: new URL('../../', import.meta.url).pathname },
);
t.teardown(() => emulator.close());

const certificate = await generate([{ name: 'commonName', value: 'asimd client' }], { keyType: 'rsa', keySize: 2048 });
const certificateFile = join(dir, 'client.pem');
writeFileSync(certificateFile, `${certificate.cert}\n${certificate.private}`);
const tokenFile = join(dir, 'federated-token');
writeFileSync(tokenFile, 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ3b3JrbG9hZCJ9.c2ln');
// ManagedIdentityCredential picks the App Service source from these at construction.
process.env['IDENTITY_ENDPOINT'] = emulator.msiEndpoint;
process.env['IDENTITY_HEADER'] = 'any-header';

const AUTHS: Array<[string, Record<string, unknown>]> = [
  ['client-secret', { type: 'client-secret', tenantId: 'tenant-1', clientId: 'secret-app', clientSecret: 'right-secret' }],
  ['client-certificate', { type: 'client-certificate', tenantId: 'tenant-1', clientId: 'cert-app', certificateFile }],
  ['workload-identity', { type: 'workload-identity', tenantId: 'tenant-1', clientId: 'workload-app', tokenFile }],
  ['managed-identity', { type: 'managed-identity', clientId: 'mi-app' }],
  ['static-token', { type: 'static-token', token: 'static-test-token' }],
];

function sinkWith(auth: Record<string, unknown>, metrics = new Metrics()): AzureLogsIngestionSink {
  const config = buildConfig({
    sink: {
      type: 'azure-logs-ingestion',
      azure: { targets: [{ endpoint: emulator.url, dcrImmutableId: DCR }], auth: { authorityHost: emulator.url, ...auth } },
    },
  });
  return new AzureLogsIngestionSink(config.sink.azure, config.streams, metrics, silent, { caPem: emulator.certificatePem });
}

for (const [name, auth] of AUTHS) {
  void t.test(`auth ${name}: token, probe and a batch`, async (t) => {
    const sink = sinkWith(auth);
    t.teardown(() => sink.close());
    await sink.start();
    t.equal(sink.notReadyReason(), undefined, 'ready');
    const now = new Date().toISOString();
    const row = JSON.stringify({ TimeGenerated: now, SyslogMessage: `via ${name}`, SourceSystem: 'Linux' });
    const body = Buffer.from(`[${row}]`);
    const verdict = await sink.send({ stream: 'Custom-Syslog', body, rows: 1, framing: 'json-array', ends: Uint32Array.of(body.length), createdAt: Date.now() });
    t.same(verdict, { kind: 'ok' });
    t.ok(emulator.rows('Custom-Syslog').some((r) => r['SyslogMessage'] === `via ${name}`), 'the row landed');
  });
}

void t.test('a wrong secret: not ready, and /readyz says why', async (t) => {
  const metrics = new Metrics();
  const sink = sinkWith({ type: 'client-secret', tenantId: 'tenant-1', clientId: 'secret-app', clientSecret: 'wrong-secret' }, metrics);
  t.teardown(() => sink.close());
  await sink.start();
  t.match(sink.notReadyReason(), /no Entra ID token/);
  const failures = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === 'asimd_token_refreshes_total')?.values.find((v) => v.labels['outcome'] === 'error');
  t.ok((failures?.value ?? 0) >= 1, 'the failure is counted');
});

void t.test('missing credentials for the auth type are config errors naming the key', async (t) => {
  t.throws(() => sinkWith({ type: 'client-secret', tenantId: 'tenant-1' }), { code: 'ASIMD_CONFIG_INVALID', message: /sink\.azure\.auth\.clientId: required/ });
  t.throws(() => sinkWith({ type: 'client-certificate', tenantId: 'x', clientId: 'y', certificateFile: join(dir, 'absent.pem') }), { message: /certificateFile: cannot read/ });
});
