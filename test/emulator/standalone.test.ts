import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildConfig } from '../../src/config/load.ts';
import t from 'tap';
import { Agent, request } from 'undici';
import { REPO_ROOT } from '../fixtures/emulator/harness.ts';

void t.test('runEmulatorCommand serves until SIGTERM, logging its URL, certificate, DCRs and streams', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'asimd-emulator-standalone-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const child = spawn(process.execPath, ['--import', join(REPO_ROOT, 'scripts/ts-loader.mjs'), join(REPO_ROOT, 'test/fixtures/emulator/standalone.ts')], {
    cwd: dir,
    env: { ...process.env, EMULATOR_DATA: join(dir, 'data') },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  const lines: Array<Record<string, unknown>> = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    let buffered = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => {
      buffered += text;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
        buffered = buffered.slice(newline + 1);
        lines.push(line);
        if (String(line['msg']).startsWith('emulator ready')) resolve(line);
      }
    });
    void exited.then((code) => reject(new Error(`exited with ${code}: ${JSON.stringify(lines)}`)));
  });
  const line = await ready;
  t.match(line['endpoint'], /^https:\/\/127\.0\.0\.1:\d+$/);
  t.same(line['dcrs'], { 'dcr-00000000000000000000000000000000': Object.values(buildConfig({}, {}).streams) });
  t.equal(line['trust'], `NODE_EXTRA_CA_CERTS=${join(dir, 'data', 'emulator-cert.pem')}`);
  t.equal(line['component'], 'emulator');
  const dispatcher = new Agent({ connect: { ca: readFileSync(join(dir, 'data', 'emulator-cert.pem'), 'utf8') } });
  t.teardown(() => dispatcher.close());
  const stats = await request(`${String(line['endpoint'])}/emulator/stats`, { dispatcher });
  t.equal(stats.statusCode, 200, 'the certificate file is the one served');
  await stats.body.dump();
  child.kill('SIGTERM');
  t.equal(await exited, 0);
  t.ok(lines.some((entry) => entry['msg'] === 'emulator stopped'));
});
