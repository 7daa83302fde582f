// Packaging: the systemd unit, the Dockerfile, the container config and the
// build-if-needed helper. These are checked without Docker or a running
// systemd: the unit with `systemd-analyze verify`, the Dockerfile by parsing it,
// and the image's start command by running it from the repo root.
import t from 'tap';
import type { Test } from 'tap';
import { spawnSync } from 'node:child_process';
import type { SpawnSyncReturns } from 'node:child_process';
import {
  accessSync,
  chmodSync,
  constants,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const unitPath = join(root, 'config', 'asimd.service');
const dockerfilePath = join(root, 'Dockerfile');
const distMain = join(root, 'dist', 'src', 'cli', 'main.js');

function onPath(cmd: string): string | undefined {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue;
    const p = join(dir, cmd);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

function tempDir(t: Test, prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

// ---------------------------------------------------------------- systemd unit

type Unit = Map<string, Map<string, string[]>>;

/** Parse a unit file into section -> key -> values (a key may repeat). */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header?.[1] !== undefined) {
      section = unit.get(header[1]) ?? new Map<string, string[]>();
      unit.set(header[1], section);
      continue;
    }
    const eq = line.indexOf('=');
    if (section === undefined || eq <= 0) throw new Error(`unparseable unit line: ${raw}`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    section.set(key, [...(section.get(key) ?? []), value]);
  }
  return unit;
}

function values(unit: Unit, section: string, key: string): string[] {
  return unit.get(section)?.get(key) ?? [];
}

type Verify = { status: number | null; problems: string[]; output: string };

/** Run `systemd-analyze verify` on a copy of the unit with ExecStart* pointed at a stub. */
function verifyUnit(t: Test, unitText: string, binary?: string): Verify {
  const dir = tempDir(t, 'asimd-unit-');
  const stub = join(dir, 'asimd');
  writeFileSync(stub, '#!/bin/sh\nexit 0\n');
  chmodSync(stub, 0o755);
  const file = join(dir, 'asimd.service');
  writeFileSync(file, unitText.replaceAll('/usr/bin/asimd', binary ?? stub));
  const r = spawnSync('systemd-analyze', ['verify', '--man=no', file], {
    encoding: 'utf8',
    env: { ...process.env, SYSTEMD_COLORS: '0', SYSTEMD_PAGER: 'cat' },
    timeout: 60_000,
  });
  const output = `${r.stdout}${r.stderr}`;
  // verify also loads the units this one depends on; only lines about our
  // unit count (a typo'd key is only a warning, with exit status 0).
  const problems = output.split('\n').filter((l) => l.includes('asimd.service'));
  return { status: r.status, problems, output };
}

const unitText = readFileSync(unitPath, 'utf8');
const systemdAnalyze = onPath('systemd-analyze');

const noSystemdAnalyze =
  systemdAnalyze === undefined && 'systemd-analyze is not on PATH (apt-get install systemd); .ci/run installs it';

void t.test('systemd-analyze verify', { skip: noSystemdAnalyze }, async (t) => {
  await t.test('accepts config/asimd.service with no warnings', async (t) => {
    const v = verifyUnit(t, unitText);
    t.equal(v.status, 0, `exit status (output: ${v.output})`);
    t.same(v.problems, [], 'no warnings about the unit');
  });

  await t.test('flags a typo in a directive', async (t) => {
    const broken = unitText.replace(/^RestartSec=/m, 'RestartSecc=');
    t.not(broken, unitText, 'the unit was changed');
    const v = verifyUnit(t, broken);
    t.match(v.problems.join('\n'), /RestartSecc/, 'the unknown key is reported');
  });

  await t.test('fails when the ExecStart binary does not exist', async (t) => {
    const v = verifyUnit(t, unitText, '/nonexistent/asimd');
    t.not(v.status, 0, 'non-zero exit status');
    t.match(v.problems.join('\n'), /not executable/);
  });
});

void t.test('asimd.service has the required directives', async (t) => {
  const unit = parseUnit(unitText);
  const required: Array<[string, string, string]> = [
    ['Service', 'StateDirectory', 'asimd'],
    ['Service', 'WorkingDirectory', '/var/lib/asimd'],
    ['Service', 'ConfigurationDirectory', 'asimd'],
    ['Service', 'ExecStartPre', '/usr/bin/asimd validate --config /etc/asimd/asimd.yaml'],
    ['Service', 'ExecStart', '/usr/bin/asimd run --config /etc/asimd/asimd.yaml'],
    ['Service', 'Restart', 'on-failure'],
    ['Service', 'RestartSec', '2'],
    ['Service', 'ProtectSystem', 'strict'],
    ['Service', 'ProtectHome', 'yes'],
    ['Service', 'PrivateTmp', 'yes'],
    ['Service', 'NoNewPrivileges', 'yes'],
    ['Service', 'AmbientCapabilities', 'CAP_NET_BIND_SERVICE'],
    ['Service', 'CapabilityBoundingSet', 'CAP_NET_BIND_SERVICE'],
    ['Service', 'LimitNOFILE', '65536'],
    ['Service', 'TimeoutStopSec', '15'],
    ['Service', 'KillSignal', 'SIGTERM'],
    ['Install', 'WantedBy', 'multi-user.target'],
  ];
  for (const [section, key, value] of required) {
    t.same(values(unit, section, key), [value], `[${section}] ${key}=${value}`);
  }

  const dynamic = values(unit, 'Service', 'DynamicUser');
  const user = values(unit, 'Service', 'User');
  t.ok(
    dynamic.includes('yes') || (user.length > 0 && !user.includes('root') && !user.includes('0')),
    'runs as DynamicUser=yes or a dedicated non-root User=',
  );
  // V8's JIT needs writable+executable memory.
  t.notOk(values(unit, 'Service', 'MemoryDenyWriteExecute').includes('yes'), 'MemoryDenyWriteExecute is not set');
  // Drain (10 s) must fit in the stop timeout.
  const stop = Number(values(unit, 'Service', 'TimeoutStopSec')[0]);
  t.ok(stop > 10, `TimeoutStopSec (${stop}) leaves room for the 10 s drain`);
});

// ------------------------------------------------------------------ Dockerfile

type Instruction = { cmd: string; args: string };

/** Parse a Dockerfile into instructions (continuations joined, comments dropped). */
function parseDockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full === '') continue;
    const m = /^(\S+)\s*(.*)$/.exec(full);
    if (m?.[1] !== undefined) out.push({ cmd: m[1].toUpperCase(), args: m[2] ?? '' });
  }
  if (pending.trim() !== '') throw new Error('Dockerfile ends with a line continuation');
  return out;
}

function execForm(args: string): string[] {
  const parsed: unknown = JSON.parse(args);
  if (!Array.isArray(parsed) || !parsed.every((a): a is string => typeof a === 'string')) {
    throw new Error(`not an exec-form JSON array of strings: ${args}`);
  }
  return parsed;
}

/** Map an absolute path in the image (under WORKDIR /app) to a repo path. */
function repoPath(imagePath: string): string {
  return imagePath.replace(/^\/app\//, '');
}

void t.test('Dockerfile', async (t) => {
  const all = parseDockerfile(readFileSync(dockerfilePath, 'utf8'));
  const froms = all.map((ins, i) => [ins, i] as const).filter(([ins]) => ins.cmd === 'FROM');
  t.ok(froms.length >= 2, 'multi-stage build');
  const lastFrom = froms.at(-1);
  if (lastFrom === undefined) return;
  const [fromIns, fromIndex] = lastFrom;
  const final = all.slice(fromIndex + 1);
  const last = (cmd: string): Instruction | undefined => final.filter((i) => i.cmd === cmd).at(-1);

  const image = fromIns.args.split(/\s+/).find((w) => !w.startsWith('--'));
  t.equal(image, 'node:24-slim', 'final stage is FROM node:24-slim');

  const user = last('USER')?.args.split(':')[0];
  t.ok(user !== undefined && user !== 'root' && user !== '0', `runs as a non-root USER (${user})`);

  const health = last('HEALTHCHECK')?.args ?? '';
  t.match(health, /\/healthz/, 'HEALTHCHECK probes /healthz');
  t.match(health, /\bCMD\b/, 'HEALTHCHECK has a command');
  t.notMatch(health, /\b(curl|wget)\b/, 'HEALTHCHECK does not need curl/wget (absent from slim images)');

  const exposed = new Set(
    final
      .filter((i) => i.cmd === 'EXPOSE')
      .flatMap((i) => i.args.split(/\s+/))
      .map((p) => (p.includes('/') ? p : `${p}/tcp`)),
  );
  for (const port of ['5514/udp', '5514/tcp', '8080/tcp']) t.ok(exposed.has(port), `EXPOSE ${port}`);

  t.equal(last('STOPSIGNAL')?.args, 'SIGTERM', 'STOPSIGNAL SIGTERM');
  t.match(final.filter((i) => i.cmd === 'ENV').map((i) => i.args).join('\n'), /NODE_ENV=production/, 'NODE_ENV=production');

  const entrypoint = execForm(last('ENTRYPOINT')?.args ?? '[]');
  const cmd = execForm(last('CMD')?.args ?? '[]');
  t.equal(entrypoint[0], 'node', 'ENTRYPOINT runs node directly (exec form, signals reach it)');
  const mainJs = entrypoint.find((a) => a.endsWith('.js'));
  t.equal(mainJs === undefined ? undefined : repoPath(mainJs), 'dist/src/cli/main.js', 'ENTRYPOINT runs the built CLI');
  t.ok(existsSync(join(root, 'src', 'cli', 'main.ts')), 'src/cli/main.ts exists (compiles to dist/src/cli/main.js)');
  const pkg: unknown = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  t.match(pkg, { bin: { asimd: 'dist/src/cli/main.js' } }, 'package.json bin is the same entry point');

  t.equal(cmd[0], 'run', 'CMD runs the agent');
  const configIndex = cmd.indexOf('--config');
  const config = cmd[configIndex + 1];
  t.ok(configIndex >= 0 && config !== undefined, 'CMD passes --config');
  if (config !== undefined) {
    t.equal(repoPath(config), 'config/docker.yaml', 'CMD uses config/docker.yaml');
    t.ok(existsSync(join(root, repoPath(config))), `${repoPath(config)} exists in the repo`);
  }
  t.ok(
    final.some((i) => i.cmd === 'COPY' && /^config\s/.test(i.args)),
    'the runtime stage copies config/ into the image',
  );

  const ignored = readFileSync(join(root, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
  for (const p of ['node_modules', 'dist', 'data', '.git', '.tap']) t.ok(ignored.includes(p), `.dockerignore excludes ${p}`);
});

void t.test('config/docker.yaml listens on all interfaces and writes under /var/lib/asimd', async (t) => {
  const text = readFileSync(join(root, 'config', 'docker.yaml'), 'utf8');
  t.match(text, /^\s+address:\s*0\.0\.0\.0\s*$/m);
  t.match(text, /^\s+port:\s*8080\s*$/m);
  for (const match of text.matchAll(/^\s+(?:directory|dataDirectory):\s*(\S+)\s*$/gm)) {
    t.match(match[1], /^\/var\/lib\/asimd\//, `${match[0].trim()} is under /var/lib/asimd`);
  }
  t.match(text, /^\s+dataDirectory:\s*\/var\/lib\/asimd\/emulator\s*$/m, 'the emulator writes under /var/lib/asimd');
});

// ------------------------------------------------- the image's start command

const noDist = !existsSync(distMain) && 'dist/src/cli/main.js does not exist: run `npm run build` first';

void t.test('the image command validates config/docker.yaml outside Docker', { skip: noDist }, async (t) => {
  const r: SpawnSyncReturns<string> = spawnSync(
    process.execPath,
    ['dist/src/cli/main.js', 'validate', '--config', 'config/docker.yaml'],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  t.equal(r.status, 0, `asimd validate --config config/docker.yaml exits 0 (stderr: ${r.stderr.trim()})`);
});

// ------------------------------------------------------- build-if-needed.mjs

void t.test('scripts/build-if-needed.mjs builds only when dist is stale', async (t) => {
  const dir = tempDir(t, 'asimd-build-');
  for (const f of ['package.json', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(root, f), join(dir, f));
  mkdirSync(join(dir, 'scripts'));
  cpSync(join(root, 'scripts', 'build-if-needed.mjs'), join(dir, 'scripts', 'build-if-needed.mjs'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  mkdirSync(join(dir, 'src', 'cli'), { recursive: true });
  mkdirSync(join(dir, 'parsers', 'syslog'), { recursive: true });
  writeFileSync(join(dir, 'src', 'cli', 'main.ts'), 'export const main = 1;\n');
  const parser = join(dir, 'parsers', 'syslog', 'p.ts');
  writeFileSync(parser, 'export const p = 1;\n');
  const out = join(dir, 'dist', 'src', 'cli', 'main.js');

  const run = (): SpawnSyncReturns<string> =>
    spawnSync(process.execPath, [join(dir, 'scripts', 'build-if-needed.mjs')], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
    });
  const setTime = (file: string, seconds: number): void => utimesSync(file, seconds, seconds);

  let r = run();
  t.equal(r.status, 0, `builds when dist is missing (${r.stderr})`);
  t.ok(existsSync(out), 'dist/src/cli/main.js was emitted');

  // Make every input older than the output: nothing to do.
  const old = Math.floor(Date.now() / 1000) - 3600;
  for (const f of ['tsconfig.json', 'tsconfig.build.json', 'src/cli/main.ts', 'parsers/syslog/p.ts']) setTime(join(dir, f), old);
  setTime(out, old + 60);
  r = run();
  t.equal(r.status, 0);
  t.equal(r.stderr, '', 'up to date: no build');

  // A newer source in a nested parsers/ folder triggers a build.
  setTime(parser, old + 120);
  r = run();
  t.equal(r.status, 0);
  t.match(r.stderr, /newer/, 'stale: builds');

  // A type error fails with tsc's exit code.
  writeFileSync(parser, 'export const p: number = "x";\n');
  r = run();
  t.not(r.status, 0, 'a failed build fails the script');
});

// ------------------------------------------------------------ the journal

void t.test('the journal is on in every shipped config: default, the image, the systemd unit\'s', async (t) => {
  const { loadConfigFile } = await import('../src/config/load.ts');
  const shipped: Array<[string, string]> = [
    ['config/default.yaml', 'data/journal'],
    ['config/docker.yaml', '/var/lib/asimd/journal'],
    // The unit installs this one as /etc/asimd/asimd.yaml; relative paths land in its StateDirectory (WorkingDirectory=/var/lib/asimd).
    ['config/asimd.example.yaml', 'data/journal'],
  ];
  for (const [file, directory] of shipped) {
    const config = loadConfigFile(join(root, file), {});
    t.equal(config.journal.enabled, true, `${file}: journal.enabled`);
    t.equal(config.journal.directory, directory, `${file}: journal.directory`);
    t.equal(config.journal.whenFull, 'block', `${file}: whenFull block`);
  }
});

// ------------------------------------------------------------ node flags

void t.test('asimd runs with the same Node.js flags however it is started', async (t) => {
  const { NODE_ENVIRONMENT, NODE_FLAGS, SHEBANG_ENVIRONMENT, SHEBANG_MAX_BYTES } = await import('../src/cli/launch.ts');
  const flags = NODE_FLAGS.join(' ');
  const assignments = Object.entries(NODE_ENVIRONMENT).map(([name, value]) => `${name}=${value}`);
  const shebangAssignments = Object.entries(SHEBANG_ENVIRONMENT).map(([name, value]) => `${name}=${value}`);
  t.ok(flags.length > 0);
  t.ok(assignments.length > 0);
  t.ok(shebangAssignments.every((assignment) => assignments.includes(assignment)), 'the shebang sets a part of the environment');
  const shebang = readFileSync(join(root, 'src/cli/main.ts'), 'utf8').split('\n')[0] ?? '';
  t.equal(shebang, `#!/usr/bin/env -S ${shebangAssignments.join(' ')} node ${flags}`, 'the bin\'s shebang (npx asimd, the systemd unit)');
  t.ok(Buffer.byteLength(shebang) <= SHEBANG_MAX_BYTES, `the shebang fits in ${SHEBANG_MAX_BYTES} bytes (${Buffer.byteLength(shebang)})`);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  t.equal(pkg.scripts['start'], `${assignments.join(' ')} node ${flags} dist/src/cli/main.js run`, 'npm start');
  const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
  t.match(dockerfile, `ENTRYPOINT ["node", ${NODE_FLAGS.map((flag) => JSON.stringify(flag)).join(', ')}, "/app/dist/src/cli/main.js"]`, 'the image');
  const unit = readFileSync(join(root, 'config/asimd.service'), 'utf8');
  for (const assignment of assignments) {
    t.match(dockerfile, new RegExp(`^ENV ${assignment}$`, 'm'), `the image sets ${assignment}`);
    t.match(unit, new RegExp(`^Environment=${assignment}$`, 'm'), `the systemd unit sets ${assignment}`);
  }
});

void t.test('the agent loads the emulator only when it is enabled', async (t) => {
  // Its modules (selfsigned, node-forge) are megabytes of the main thread's heap a production agent does not need.
  const script = `
    import { createRequire } from 'node:module';
    const { startInProcessEmulator } = await import('./src/agent.ts');
    const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((path) => path.includes('/selfsigned/'));
    const before = loaded();
    await import('./src/emulator/index.ts');
    console.log(JSON.stringify({ before, after: loaded(), exported: typeof startInProcessEmulator }));
  `;
  const run = spawnSync(process.execPath, ['--import', './scripts/ts-loader.mjs', '--input-type=module', '-e', script], { cwd: root, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  t.equal(run.status, 0, run.stderr);
  t.same(JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}'), { before: false, after: true, exported: 'function' }, 'not loaded with the agent; loaded by the emulator');
});
