import { readFileSync } from 'node:fs';
import t from 'tap';
import { parse } from 'yaml';
import { buildConfig, parseConfigText } from '../../src/config/load.ts';
import { configOptions } from '../../src/config/reference.ts';
import { ConfigError } from '../../src/errors/index.ts';

const root = new URL('../../', import.meta.url);

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
  return [];
}

void t.test('an empty document gets every default from the schema', async (t) => {
  const config = buildConfig({});
  t.equal(config.sources.syslog.port, 5514);
  t.equal(config.sources.syslog.address, '0.0.0.0');
  t.equal(config.sources.syslog.maxMessageBytes, 65536);
  t.equal(config.sources.syslog.udp.enabled, true);
  t.equal(config.sources.syslog.tcp.maxConnections, 1024);
  t.equal(config.batch.maxBytes, 1024 * 1024);
  t.equal(config.batch.maxAgeMs, 1000);
  t.equal(config.streams.syslog, 'Custom-Syslog');
  t.equal(config.sink.type, 'file');
  t.equal(config.sink.file.directory, 'data/out');
  t.equal(config.server.address, '127.0.0.1');
  t.equal(config.server.port, 8080);
  t.equal(config.shutdown.timeoutMs, 10_000);
  t.equal(config.pipeline.workers, 0, '0 = one per core');
});

// Each line: the document, then the problems it must produce, exactly.
const INVALID: Array<[string, unknown, string[]]> = [
  ['port above range', { sources: { syslog: { port: 70000 } } }, ['sources.syslog.port: must be ≤ 65535']],
  ['negative port', { server: { port: -1 } }, ['server.port: must be ≥ 0']],
  ['unknown key', { sources: { syslog: { prot: 514 } } }, ['sources.syslog.prot: unknown key']],
  ['unknown top-level key', { sinks: {} }, ['sinks: unknown key']],
  ['wrong type', { sources: { syslog: { udp: { enabled: 'yes' } } } }, ['sources.syslog.udp.enabled: must be boolean']],
  ['enum', { sink: { type: 'kafka' } }, ['sink.type: must be one of "azure-logs-ingestion", "file", "stdout"']],
  [
    'an Azure target without an endpoint needs the emulator',
    { sink: { type: 'azure-logs-ingestion', azure: { targets: [{ dcrImmutableId: 'dcr-0123456789abcdef0123456789abcdef' }] } } },
    ['sink.azure.targets[0].endpoint: required unless emulator.enabled is true'],
  ],
  [
    'cloud endpoints off loopback without their authentication',
    { server: { address: '0.0.0.0' } },
    [
      'sources.http.tokens: required for /v1/aws/cloudtrail, since server.address 0.0.0.0 is not loopback',
      'sources.http.tokens: required for /v1/gcp/logentries, since server.address 0.0.0.0 is not loopback',
      'sources.http.firehose.accessKeys: required, since server.address 0.0.0.0 is not loopback',
      'sources.http.pubsub: audience and jwksFile or jwksUrl are required, since server.address 0.0.0.0 is not loopback',
    ],
  ],
  ['a DCR id that is not one', { sink: { azure: { targets: [{ dcrImmutableId: 'my-dcr' }] } } }, ['sink.azure.targets[0].dcrImmutableId: must match pattern "^dcr-[0-9a-f]{32}$"']],
  ['batch above the API limit', { batch: { maxBytes: 2 * 1024 * 1024 } }, ['batch.maxBytes: must be ≤ 1048576']],
  ['non-integer', { pipeline: { workers: 1.5 } }, ['pipeline.workers: must be integer']],
  [
    'several problems, one line each',
    { sources: { syslog: { port: 0.5, maxMessageBytes: 10 } }, log: { level: 'loud' } },
    ['sources.syslog.port: must be integer', 'sources.syslog.maxMessageBytes: must be ≥ 480', 'log.level: must be one of "fatal", "error", "warn", "info", "debug", "trace", "silent"'],
  ],
];

for (const [name, document, expected] of INVALID) {
  void t.test(`invalid: ${name}`, async (t) => {
    t.same(problemsOf(() => buildConfig(document)).sort(), [...expected].sort());
  });
}

void t.test('${env:NAME} references are resolved, and a missing one names its path', async (t) => {
  const config = buildConfig({ sink: { file: { directory: '${env:ASIMD_TEST_DIR}/rows' } } }, { ASIMD_TEST_DIR: '/srv/asimd' });
  t.equal(config.sink.file.directory, '/srv/asimd/rows');
  t.same(problemsOf(() => buildConfig({ sink: { file: { directory: '${env:NOPE_NOT_SET}' } } }, {})), [
    'sink.file.directory: environment variable NOPE_NOT_SET is not set',
  ]);
});

void t.test('YAML syntax errors and duplicate keys are config errors', async (t) => {
  t.match(problemsOf(() => parseConfigText('sources: [', 'bad.yaml', {})), [/^bad\.yaml: /]);
  t.match(problemsOf(() => parseConfigText('server:\n  port: 1\n  port: 2\n', 'dup.yaml', {})), [/^dup\.yaml: .*[Dd]uplicate|unique/]);
});

void t.test('the shipped configs are valid', async (t) => {
  for (const file of ['config/default.yaml', 'config/docker.yaml', 'config/asimd.example.yaml']) {
    const text = readFileSync(new URL(file, root), 'utf8');
    t.doesNotThrow(() => parseConfigText(text, file, {}), file);
  }
  const docker = parseConfigText(readFileSync(new URL('config/docker.yaml', root), 'utf8'), 'docker.yaml', {});
  t.equal(docker.server.address, '0.0.0.0', 'the image serves the ops endpoints on all addresses');
  const local = parseConfigText(readFileSync(new URL('config/default.yaml', root), 'utf8'), 'default.yaml', {});
  t.equal(local.server.address, '127.0.0.1', 'the default config keeps them on loopback');
  t.equal(local.sink.type, 'azure-logs-ingestion', 'the default config ships through the Logs Ingestion sink');
  t.equal(local.emulator.enabled, true, 'to the in-process emulator');
  t.equal(docker.sink.type, 'azure-logs-ingestion');
  t.equal(docker.emulator.dataDirectory, '/var/lib/asimd/emulator');
  t.equal(local.journal.enabled, true, 'the default config journals batches');
  t.equal(docker.journal.directory, '/var/lib/asimd/journal', 'the image journals under its data directory');
});

void t.test('config/asimd.example.yaml sets every option the schema has', async (t) => {
  const example = parse(readFileSync(new URL('config/asimd.example.yaml', root), 'utf8')) as Record<string, unknown>;
  const text = readFileSync(new URL('config/asimd.example.yaml', root), 'utf8');
  for (const option of configOptions()) {
    const leaf = option.path.split('.').pop() ?? option.path;
    if (option.default === undefined) {
      t.match(text, new RegExp(`# ${leaf}: `), `${option.path} is documented (commented out: no default)`);
      continue;
    }
    const value = option.path.split('.').reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], example);
    t.same(value, option.default, `${option.path} is set to its default`);
  }
});
