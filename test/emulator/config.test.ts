import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Kind, type TSchema } from '@sinclair/typebox';
import { buildConfig } from '../../src/config/load.ts';
import t from 'tap';

/** Every stream the default DCR template declares. */
const DEFAULT_STREAMS = Object.values(buildConfig({}, {}).streams);
import { EmulatorSchema, emulatorConfig } from '../../src/emulator/index.ts';
import { WIRE_ERRORS } from '../../src/emulator/wire.ts';
import { REPO_ROOT, startHarness } from '../fixtures/emulator/harness.ts';

function walk(schema: TSchema, path: string, visit: (schema: TSchema, path: string, optional: boolean) => void): void {
  if (schema[Kind] === 'Object') {
    const properties = schema['properties'] as Record<string, TSchema>;
    const required = new Set((schema['required'] as string[] | undefined) ?? []);
    for (const [key, child] of Object.entries(properties)) {
      visit(child, `${path}.${key}`, !required.has(key));
      walk(child, `${path}.${key}`, visit);
    }
  }
  if (schema[Kind] === 'Array') walk(schema['items'] as TSchema, `${path}[]`, visit);
}

void t.test('every option has a description, and a default unless it is optional or an item key', async (t) => {
  const missing: string[] = [];
  walk(EmulatorSchema, 'emulator', (schema, path, optional) => {
    if (typeof schema['description'] !== 'string' && !path.endsWith('[]')) missing.push(`${path}: description`);
    const inItem = path.includes('[].');
    if (!optional && !inItem && !('default' in schema)) missing.push(`${path}: default`);
  });
  t.same(missing, []);
  t.equal(EmulatorSchema.additionalProperties, false);
});

void t.test('defaults', async (t) => {
  const config = emulatorConfig({});
  t.equal(config.enabled, false);
  t.equal(config.address, '127.0.0.1');
  t.equal(config.port, 8443);
  t.equal(config.dataDirectory, 'data/emulator');
  t.equal(config.cloud, 'public');
  t.equal(config.tokenLifetimeSeconds, 3600);
  t.equal(config.timeSpanCheck, 'always');
  t.same(config.dcrs, [
    { immutableId: 'dcr-00000000000000000000000000000000', template: 'config/dcr/asimd.dcr.json', requestsPerMinute: 12_000, bytesPerMinute: 2_000_000_000 },
  ]);
  t.same(emulatorConfig({ dcrs: [{ immutableId: 'dcr-0123456789abcdef0123456789abcdef' }] }).dcrs[0]?.template, 'config/dcr/asimd.dcr.json', 'item defaults');
});

void t.test('bad configs are refused with the path of each problem', async (t) => {
  t.throws(() => emulatorConfig({ dcrs: [{ immutableId: 'dcr-XYZ' }] }), { code: 'ASIMD_CONFIG_INVALID', problems: [/^emulator\.dcrs\.0\.immutableId: /] });
  t.throws(() => emulatorConfig({ colour: 'blue' }), { code: 'ASIMD_CONFIG_INVALID' });
  await t.rejects(startHarness(t, { tls: { certFile: 'cert.pem' } }), { code: 'ASIMD_CONFIG_INVALID', problems: ['emulator.tls: certFile and keyFile go together'] });
  await t.rejects(startHarness(t, { dcrs: [{ immutableId: 'dcr-00000000000000000000000000000000', template: 'no/such/template.json' }] }), { code: 'ASIMD_CONFIG_READ' });
  await t.rejects(startHarness(t, { faults: [{ action: 'delay' }] }), { code: 'ASIMD_CONFIG_INVALID', problems: ['emulator.faults[0].delayMs: a delay fault needs delayMs'] });
});

void t.test('every error code the emulator answers with is in WIRE_ERRORS, with its status', async (t) => {
  const dir = new URL('../../src/emulator/', import.meta.url);
  const used = new Map<string, number>();
  for (const file of readdirSync(dir).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(new URL(file, dir), 'utf8');
    for (const match of text.matchAll(/fail\(\s*reply,\s*context,\s*(\d{3}),\s*'(\w+)'/g)) used.set(match[2] ?? '', Number(match[1]));
  }
  t.ok(used.size >= 10, `${used.size} codes found`);
  for (const [code, status] of used) t.equal(WIRE_ERRORS[code as keyof typeof WIRE_ERRORS]?.status, status, code);
});

void t.test('the emulator logs its start and stop once, as component emulator', async (t) => {
  const h = await startHarness(t);
  const started = h.logs.filter((line) => line['msg'] === 'emulator started');
  t.equal(started.length, 1);
  t.equal(started[0]?.['component'], 'emulator');
  t.equal(started[0]?.['url'], h.emulator.url);
  t.same(started[0]?.['dcrs'], [{ immutableId: 'dcr-00000000000000000000000000000000', template: join(REPO_ROOT, 'config/dcr/asimd.dcr.json'), streams: DEFAULT_STREAMS }]);
  await h.ingest(await h.token(), []);
  t.equal(h.logs.filter((line) => (line['level'] as number) >= 30).length, 3, 'two listening lines and the start line; nothing per request');
  await h.emulator.close();
  t.equal(h.logs.filter((line) => line['msg'] === 'emulator stopped').length, 1);
});
