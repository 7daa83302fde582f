import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { waitFor } from './agent-process.ts';
import type { RunningAgent } from './agent-process.ts';

/*
 * Real syslog senders from Debian packages, started by a test in the
 * foreground with their own config in a temporary directory, on loopback
 * ports, and killed at teardown: never as a system service, never on 514 or
 * /dev/log.
 */

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** Runs a command to completion (stdout and stderr together), killing it after timeoutMs and at teardown. */
export function run(t: Test, file: string, args: string[], timeoutMs: number, options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Exit> {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  t.teardown(() => stopChild(child, 0));
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve, reject) => {
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, output });
    });
  });
}

/** SIGTERM, then SIGKILL after graceMs (at once when 0); resolves once the child is gone. */
export async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(graceMs > 0 ? 'SIGTERM' : 'SIGKILL');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await gone;
  clearTimeout(timer);
}

/** A sender daemon running in the foreground, its stdout and stderr kept (the last 16 KiB). */
export interface Daemon {
  name: string;
  child: ChildProcess;
  output(): string;
  running(): boolean;
  stop(): Promise<void>;
}

/** Starts a daemon in the foreground; it is stopped (SIGTERM, SIGKILL after 3 s) at teardown. */
export function startDaemon(t: Test, name: string, file: string, args: string[], env: NodeJS.ProcessEnv = process.env): Daemon {
  const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  const keep = (text: string): void => {
    output = `${output}${text}`.slice(-16_384);
  };
  child.stdout?.setEncoding('utf8').on('data', keep);
  child.stderr?.setEncoding('utf8').on('data', keep);
  child.once('error', (err) => keep(`spawn failed: ${err.message}\n`));
  const daemon: Daemon = {
    name,
    child,
    output: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
    stop: () => stopChild(child, 3000),
  };
  t.teardown(() => daemon.stop());
  return daemon;
}

/** Waits (at most timeoutMs) until the daemon accepts connections on every port; throws with its output if it exits first. */
export async function waitListening(daemon: Daemon, ports: number[], timeoutMs: number): Promise<void> {
  await waitFor(
    async () => {
      if (!daemon.running()) {
        throw new Error(`${daemon.name} exited (${String(daemon.child.exitCode ?? daemon.child.signalCode)}): ${daemon.output()}`);
      }
      for (const port of ports) if (!(await canConnect(port))) return undefined;
      return true;
    },
    timeoutMs,
    `${daemon.name} to listen on ${ports.join(', ')}`,
  );
}

/** `count` distinct free TCP ports on loopback. */
export async function freeLoopbackPorts(count: number): Promise<number[]> {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((server) => {
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('no port');
      return address.port;
    });
  } finally {
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  }
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Writes text to a new TCP connection on loopback and closes it. */
export async function sendTcp(port: number, text: string): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.once('connect', () => socket.end(text, () => resolve()));
  });
}

/** The rows written so far; undefined while the sink is halfway through appending a line. */
export function rowsNow(agent: RunningAgent): Array<Record<string, unknown>> | undefined {
  try {
    return agent.rows();
  } catch {
    return undefined;
  }
}

/** Polls like waitFor, but returns false instead of throwing, so the assertions after it report the numbers. */
export async function settled(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<boolean> {
  return waitFor(async () => ((await check()) ? true : undefined), timeoutMs, what).catch(() => false);
}

/** The TLS listener's port, from the agent's 'asimd started' log line (0 when there is none). */
export function tlsPortOf(agent: RunningAgent): number {
  const sources = agent.logs.find((line) => line.msg === 'asimd started')?.['sources'];
  if (!Array.isArray(sources)) return 0;
  const tls = (sources as Array<{ name?: unknown; port?: unknown }>).find((source) => source.name === 'syslog_tls');
  return typeof tls?.port === 'number' ? tls.port : 0;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "Mmm dd hh:mm:ss" in UTC, the day padded with a space (RFC 3164 §4.1.2). */
export function bsdTimestamp(date: Date): string {
  const pad = (n: number): string => String(n).padStart(2, '0');
  const day = String(date.getUTCDate()).padStart(2, ' ');
  return `${MONTHS[date.getUTCMonth()] ?? ''} ${day} ${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`;
}

/** util-linux logger, or why it cannot be used. */
export function loggerOrSkip(): string | undefined {
  return spawnSync('logger', ['--version'], { stdio: 'ignore' }).status === 0 ? undefined : 'util-linux logger is not installed (apt-get install bsdutils)';
}

// ---------------------------------------------------------------------------
// rsyslog
// ---------------------------------------------------------------------------

export interface Rsyslog {
  rsyslogd: string;
  /** The directory with rsyslog's loadable modules. */
  moduleDir: string;
}

const RSYSLOG_MODULE_DIRS = ['/usr/lib/x86_64-linux-gnu/rsyslog', '/usr/lib/aarch64-linux-gnu/rsyslog', '/usr/lib/rsyslog', '/usr/lib64/rsyslog'];

/** rsyslogd with its OpenSSL network stream driver (lmnsd_ossl, Debian package rsyslog-openssl), or why not. */
export function rsyslogWithOpenssl(): Rsyslog | string {
  const rsyslogd = ['/usr/sbin/rsyslogd', '/sbin/rsyslogd'].find((path) => existsSync(path));
  if (rsyslogd === undefined || spawnSync(rsyslogd, ['-v'], { stdio: 'ignore' }).status !== 0) return 'rsyslogd is not installed (apt-get install rsyslog)';
  const moduleDir = RSYSLOG_MODULE_DIRS.find((dir) => existsSync(join(dir, 'lmnsd_ossl.so')));
  if (moduleDir === undefined) return `lmnsd_ossl.so (rsyslog's OpenSSL driver) not found in ${RSYSLOG_MODULE_DIRS.join(', ')} (apt-get install rsyslog-openssl)`;
  return { rsyslogd, moduleDir };
}

/**
 * Starts rsyslogd in the foreground with `config`, in its own directory:
 * -n foreground, -C no chdir to /, -i own pid file, -f own config. The config
 * should set global(workDirectory=`${dir}/work`), created here.
 */
export function startRsyslogd(t: Test, rsyslog: Rsyslog, name: string, dir: string, config: string, env: NodeJS.ProcessEnv = process.env): Daemon {
  mkdirSync(join(dir, 'work'), { recursive: true });
  const configFile = join(dir, 'rsyslog.conf');
  writeFileSync(configFile, config);
  return startDaemon(t, name, rsyslog.rsyslogd, ['-n', '-C', '-i', join(dir, 'rsyslogd.pid'), '-f', configFile, '-M', rsyslog.moduleDir], env);
}

// ---------------------------------------------------------------------------
// syslog-ng
// ---------------------------------------------------------------------------

export interface SyslogNg {
  binary: string;
  /** --module-path */
  modulePath: string;
  /** Extra environment (LD_LIBRARY_PATH for an extracted tree whose RUNPATH is not installed). */
  env: NodeJS.ProcessEnv;
  /** Where it came from, for the test's comments. */
  origin: string;
}

/** syslog-ng's major.minor directory under lib/syslog-ng (e.g. "3.38"), the module directory. */
function moduleDirUnder(libDir: string): string | undefined {
  if (!existsSync(libDir)) return undefined;
  const versions = readdirSync(libDir).filter((entry) => /^\d+\.\d+$/.test(entry) && existsSync(join(libDir, entry, 'libafsocket.so')));
  const version = versions.sort().pop();
  return version === undefined ? undefined : join(libDir, version);
}

/** The syslog-ng found under `root` (/ or an extracted syslog-ng-core tree), or why it does not run. */
function syslogNgIn(root: string, origin: string): SyslogNg | string {
  const binary = join(root, 'usr/sbin/syslog-ng');
  if (!existsSync(binary)) return `${binary} not found`;
  const libDir = join(root, 'usr/lib/syslog-ng');
  const modulePath = moduleDirUnder(libDir);
  if (modulePath === undefined) return `no syslog-ng module directory with libafsocket.so under ${libDir}`;
  // The binary's RUNPATH is /usr/lib/syslog-ng; an extracted tree's libraries are elsewhere.
  const env: NodeJS.ProcessEnv = root === '/' ? {} : { LD_LIBRARY_PATH: [libDir, process.env['LD_LIBRARY_PATH']].filter(Boolean).join(':') };
  // A config with the drivers the tests use loads their modules (and the libraries those need).
  const dir = mkdtempSync(join(tmpdir(), 'asimd-syslog-ng-check-'));
  try {
    const config = join(dir, 'check.conf');
    writeFileSync(
      config,
      `@version: 3.38\nsource s { syslog(transport(tcp) ip(127.0.0.1) port(1)); };\n` +
        `destination d { network("127.0.0.1" transport(udp) port(1)); syslog("127.0.0.1" transport(tls) port(1) tls(peer-verify(optional-untrusted))); };\n` +
        `log { source(s); destination(d); };\n`,
    );
    const check = spawnSync(binary, ['--syntax-only', `--module-path=${modulePath}`, '-f', config], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 5000 });
    if (check.status !== 0) {
      const why = `${check.stderr}${check.error?.message ?? ''}`.trim().split('\n').slice(0, 2).join(' ');
      return `${binary} --syntax-only failed (missing libraries or modules? ${why})`;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return { binary, modulePath, env, origin };
}

/** Where an extracted syslog-ng-core is cached between runs. */
export const SYSLOG_NG_CACHE = join(tmpdir(), `asimd-syslog-ng-core-${arch()}`);

/**
 * The syslog-ng daemon, or why it is not available. Debian's syslog-ng-core
 * conflicts with rsyslog, so it is usually not installed as a package (.ci/run
 * extracts /usr/sbin/syslog-ng and /usr/lib/syslog-ng from the .deb). Without
 * it, it is looked up in a cache under the temporary directory, and last
 * downloaded with `apt-get download` (no installing) and extracted into that
 * cache; its dependencies must be installed (as they are for loggen).
 */
export async function findSyslogNg(t: Test): Promise<SyslogNg | string> {
  const reasons: string[] = [];
  for (const [root, origin] of [
    ['/', 'installed (or placed there by .ci/run)'],
    [SYSLOG_NG_CACHE, `cached in ${SYSLOG_NG_CACHE}`],
  ] as const) {
    const found = syslogNgIn(root, origin);
    if (typeof found !== 'string') return found;
    reasons.push(found);
  }
  if (spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status !== 0 || spawnSync('dpkg-deb', ['--version'], { stdio: 'ignore' }).status !== 0) {
    return `syslog-ng is not available (${reasons.join('; ')}) and apt-get/dpkg-deb are missing to extract it from syslog-ng-core`;
  }
  const work = mkdtempSync(join(tmpdir(), 'asimd-syslog-ng-deb-'));
  try {
    // _apt (apt's download user) must be able to write here.
    chmodSync(work, 0o777);
    const download = await run(t, 'apt-get', ['download', '-qq', 'syslog-ng-core'], 10_000, { cwd: work, env: { ...process.env, LC_ALL: 'C' } });
    const debs = existsSync(work) ? readdirSync(work).filter((file) => file.endsWith('.deb')) : [];
    if (download.code !== 0 || debs.length === 0) {
      return `syslog-ng is not available (${reasons.join('; ')}) and apt-get download syslog-ng-core failed: ${download.output.trim().split('\n').pop() ?? ''}`;
    }
    const tree = join(work, 'tree');
    const extract = await run(t, 'dpkg-deb', ['-x', join(work, debs[0] ?? ''), tree], 10_000);
    if (extract.code !== 0) return `dpkg-deb -x of ${debs[0] ?? ''} failed: ${extract.output.trim()}`;
    const found = syslogNgIn(tree, 'downloaded');
    if (typeof found === 'string') return `syslog-ng extracted from syslog-ng-core does not run: ${found}`;
    // Another test run may have filled the cache meanwhile: keep theirs.
    try {
      renameSync(tree, SYSLOG_NG_CACHE);
    } catch {
      /* keep the other run's copy */
    }
    const cached = syslogNgIn(SYSLOG_NG_CACHE, `downloaded into ${SYSLOG_NG_CACHE}`);
    return cached;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Starts syslog-ng in the foreground with `config`, in its own directory:
 * -F foreground, -e its own messages on stderr, own pid file, control socket
 * and persist file, no capability juggling.
 */
export function startSyslogNg(t: Test, syslogNg: SyslogNg, name: string, dir: string, config: string, env: NodeJS.ProcessEnv = process.env): Daemon {
  const configFile = join(dir, 'syslog-ng.conf');
  writeFileSync(configFile, config);
  return startDaemon(
    t,
    name,
    syslogNg.binary,
    [
      '-F',
      '-e',
      '--no-caps',
      `--module-path=${syslogNg.modulePath}`,
      '-f',
      configFile,
      '-p',
      join(dir, 'syslog-ng.pid'),
      '-c',
      join(dir, 'syslog-ng.ctl'),
      '-R',
      join(dir, 'syslog-ng.persist'),
    ],
    { ...env, ...syslogNg.env },
  );
}
