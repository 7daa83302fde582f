import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { CLI, REPO_ROOT } from '../helpers/agent-process.ts';

function asimd(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'asimd-cli-'));
const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};

void t.test('--version prints the package version', async (t) => {
  const { version } = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string };
  const result = asimd('--version');
  t.equal(result.status, 0);
  t.equal(result.stdout.trim(), version);
});

void t.test('--help lists the commands', async (t) => {
  const result = asimd('--help');
  t.equal(result.status, 0);
  t.match(result.stdout, /asimd run \[--config FILE\]/);
  t.match(result.stdout, /asimd validate --config FILE/);
});

void t.test('validate: a valid file exits 0', async (t) => {
  const result = asimd('validate', '--config', write('ok.yaml', 'sources:\n  syslog:\n    port: 1514\n'));
  t.equal(result.status, 0, result.stderr);
  t.match(result.stdout, /valid/);
});

void t.test('validate: an invalid file exits 78 with one line per problem, naming its path', async (t) => {
  const result = asimd('validate', '--config', write('bad.yaml', 'sources:\n  syslog:\n    port: 70000\n    bogus: 1\nsink:\n  type: kafka\n'));
  t.equal(result.status, 78);
  t.same(result.stderr.trim().split('\n').sort(), ['sink.type: must be one of "azure-logs-ingestion", "file", "stdout"', 'sources.syslog.bogus: unknown key', 'sources.syslog.port: must be ≤ 65535']);
});

void t.test('validate: a missing file and bad YAML exit 78', async (t) => {
  t.equal(asimd('validate', '--config', join(dir, 'absent.yaml')).status, 78);
  t.equal(asimd('validate', '--config', write('syntax.yaml', 'sources: [\n')).status, 78);
});

void t.test('usage errors exit 64', async (t) => {
  t.equal(asimd('frobnicate').status, 64, 'unknown command');
  t.equal(asimd().status, 64, 'no command');
  t.equal(asimd('validate').status, 64, 'validate without --config');
  t.equal(asimd('run', '--nope').status, 64, 'unknown flag');
});

void t.test('run: an invalid config exits 78 before binding anything', async (t) => {
  const result = asimd('run', '--config', write('run-bad.yaml', 'server:\n  port: 99999\n'));
  t.equal(result.status, 78);
  t.match(result.stderr, /server\.port: must be ≤ 65535/);
});

void t.test('run: a port already in use is a clear error, not a crash', async (t) => {
  const net = await import('node:net');
  const blocker = net.createServer();
  await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
  const address = blocker.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const config = write('busy.yaml', `sources:\n  syslog:\n    address: 127.0.0.1\n    port: ${port}\n    udp:\n      enabled: false\nserver:\n  port: 0\nsink:\n  file:\n    directory: ${join(dir, 'out')}\n`);
  const result = asimd('run', '--config', config);
  blocker.close();
  t.equal(result.status, 70);
  t.match(result.stderr, /ASIMD_SOURCE_BIND/);
  t.match(result.stderr, new RegExp(`127\\.0\\.0\\.1:${port}`));
});

void t.test('dcr prints an ARM template whose data flows cover the configured streams', async (t) => {
  const result = asimd('dcr');
  t.equal(result.status, 0, result.stderr);
  const template = JSON.parse(result.stdout) as { resources: Array<{ kind: string; properties: { streamDeclarations: Record<string, { columns: Array<{ name: string }> }>; dataFlows: Array<{ streams: string[]; outputStream: string; transformKql: string }> } }> };
  const rule = template.resources[0];
  t.equal(rule?.kind, 'Direct');
  t.match(rule?.properties.dataFlows, [
    { streams: ['Custom-Syslog'], outputStream: 'Microsoft-Syslog', transformKql: /^source\b/ },
    { streams: ['Custom-CommonSecurityLog'], outputStream: 'Microsoft-CommonSecurityLog' },
    { streams: ['Custom-ASimAuthenticationEventLogs'], outputStream: 'Microsoft-ASimAuthenticationEventLogs' },
  ]);
  t.ok(rule?.properties.streamDeclarations['Custom-Syslog']?.columns.some((column) => column.name === 'SyslogMessage'));

  const renamed = asimd('dcr', '--config', write('renamed.yaml', 'streams:\n  syslog: Custom-MySyslog\n'));
  t.equal(renamed.status, 0);
  t.match(renamed.stdout, /"Custom-MySyslog"/, 'follows the config\'s stream names');
});
