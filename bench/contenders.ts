/**
 * The contenders of `npm run bench`: asimd (the compiled agent, a real process) and peers described as
 * data in bench/peers/<name>.json (a command, a config template and a readiness check; see
 * bench/peers/README.md), so another agent is one more file.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopChild } from '../test/helpers/senders.ts';
import { startAgentProcess } from './agent.ts';
import { commit } from './harness.ts';
import { freePort, ROOT, waitForTcp } from './processes.ts';

export const DCR = 'dcr-00000000000000000000000000000000';
export const TOKEN = 'bench-token';
export const SYSLOG_STREAM = 'Custom-Syslog';

/** Where a contender posts: the counting sink or the emulator. */
export interface SinkTarget {
  url: string;
  caFile: string;
  /** asimd's auth block for this sink (static token for the counting sink, client secret for the emulator). */
  auth: Record<string, string>;
}

export interface RunningContender {
  pid: number;
  /** Syslog TCP port. */
  port: number;
  /** asimd's operations server (metrics), when there is one. */
  httpPort: number | undefined;
  /** A Prometheus metric summed over its labels (asimd only). */
  metric?: (name: string) => Promise<number>;
  stop(): Promise<void>;
}

export interface Contender {
  name: string;
  version: string;
  /** Does it gzip request bodies? */
  gzip: boolean;
  /** Sink streams that get exactly one row per message sent (others carry extra rows, e.g. ASIM). */
  messageStreams: string[];
  start(sink: SinkTarget, options?: { profileDir?: string | undefined }): Promise<RunningContender>;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `extra` laid over `base`, objects merged key by key (arrays and values replaced). */
function overlay(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
  const out = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const under = out[key];
    out[key] = isObject(value) && isObject(under) ? overlay(under, value) : value;
  }
  return out;
}

/** asimd's config for a bench run: TCP on loopback, the Logs Ingestion sink to `sink`, defaults otherwise, then `extra` over it. */
export function asimdConfig(sink: SinkTarget, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const base = {
    sources: { syslog: { address: '127.0.0.1', port: 0, udp: { enabled: false } } },
    server: { address: '127.0.0.1', port: 0 },
    sink: {
      type: 'azure-logs-ingestion',
      azure: { targets: [{ endpoint: sink.url, dcrImmutableId: DCR }], auth: sink.auth, caFile: sink.caFile },
    },
    log: { level: 'info' },
  };
  return overlay(base, extra);
}

/**
 * Starts the compiled agent. A profile directory turns on --cpu-prof (the main thread and each worker write a
 * .cpuprofile there on exit).
 */
export async function startAsimd(config: Record<string, unknown>, profileDir?: string): Promise<RunningContender> {
  const agent = await startAgentProcess(config, profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  return { pid: agent.pid, port: agent.tcpPort, httpPort: agent.httpPort, metric: agent.metric, stop: agent.stop };
}

export function asimdContender(extra: Record<string, unknown> = {}): Contender {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return {
    name: 'asimd',
    version: `asimd ${pkg.version} (${commit()}) on node ${process.version}`,
    gzip: true,
    messageStreams: [SYSLOG_STREAM, 'Custom-CommonSecurityLog'],
    start: (sink, options = {}) => startAsimd(asimdConfig(sink, extra), options.profileDir),
  };
}

/** bench/peers/<name>.json */
export interface PeerSpec {
  name: string;
  about: string;
  /** Run when `check` fails, then `check` again (e.g. install a missing package). */
  install?: string[];
  /** Prints the version (first line kept). */
  version: string[];
  /** Template file next to the JSON; rendered into the run's directory as {{config}}. */
  config: string;
  /** Must exit 0 on the rendered config (e.g. a syntax check that also loads the modules). */
  check?: string[];
  /** The peer in the foreground. */
  command: string[];
  /** 'tcp': ready when {{port}} accepts connections. */
  ready: 'tcp';
  /** The sink stream its rows are posted to ({{url}} ends with it). */
  stream: string;
  /** Gzip bodies? */
  gzip?: boolean;
  /** More {{variables}} for the templates. */
  variables?: Record<string, string>;
}

const PEERS_DIR = join(ROOT, 'bench/peers');

export function peerSpecs(): PeerSpec[] {
  return readdirSync(PEERS_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => JSON.parse(readFileSync(join(PEERS_DIR, file), 'utf8')) as PeerSpec);
}

function render(text: string, variables: Record<string, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => variables[name] ?? whole);
}

function runQuiet(argv: string[]): { ok: boolean; output: string } {
  const [file, ...args] = argv;
  if (file === undefined) return { ok: false, output: 'empty command' };
  const result = spawnSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? result.error.message : ''}`.trim() };
}

/**
 * The peer as a contender, after checking it can run (installing it when `install` is given and
 * `allowInstall`); a string says why it cannot.
 */
export function peerContender(spec: PeerSpec, allowInstall: boolean, log: (line: string) => void): Contender | string {
  const template = readFileSync(join(PEERS_DIR, spec.config), 'utf8');
  const variablesFor = (dir: string, port: number, sink: SinkTarget): Record<string, string> => {
    const path = `/dataCollectionRules/${DCR}/streams/${spec.stream}?api-version=2023-01-01`;
    const sinkUrl = new URL(sink.url);
    return {
      ...spec.variables,
      root: ROOT,
      dir,
      config: join(dir, spec.config),
      port: String(port),
      sinkUrl: sink.url,
      sinkHost: sinkUrl.hostname,
      sinkPort: sinkUrl.port,
      path,
      url: `${sink.url}${path}`,
      token: TOKEN,
      caFile: sink.caFile,
    };
  };
  const prepare = (dir: string, port: number, sink: SinkTarget): Record<string, string> => {
    const variables = variablesFor(dir, port, sink);
    writeFileSync(join(dir, spec.config), render(template, variables));
    return variables;
  };
  const checkIn = (variables: Record<string, string>): { ok: boolean; output: string } =>
    spec.check ? runQuiet(spec.check.map((arg) => render(arg, variables))) : { ok: true, output: '' };

  const probeDir = mkdtempSync(join(tmpdir(), `asimd-bench-${spec.name}-`));
  const probeSink: SinkTarget = { url: 'https://127.0.0.1:9', caFile: join(probeDir, 'ca.pem'), auth: {} };
  let checked = checkIn(prepare(probeDir, 9, probeSink));
  if (!checked.ok && spec.install && allowInstall) {
    const install = spec.install.map((arg) => render(arg, { root: ROOT }));
    log(`${spec.name}: not ready (${checked.output.split('\n')[0] ?? ''}); running ${install.join(' ')}`);
    const installed = runQuiet(install);
    log(installed.output);
    checked = checkIn(prepare(probeDir, 9, probeSink));
  }
  rmSync(probeDir, { recursive: true, force: true });
  if (!checked.ok) return `${spec.name} cannot run: ${checked.output || 'check failed'}`;
  const version = runQuiet(spec.version).output.split('\n')[0] ?? spec.name;

  return {
    name: spec.name,
    version,
    gzip: spec.gzip ?? false,
    messageStreams: [spec.stream],
    async start(sink) {
      const dir = mkdtempSync(join(tmpdir(), `asimd-bench-${spec.name}-`));
      const port = await freePort();
      const variables = prepare(dir, port, sink);
      const [file, ...args] = spec.command.map((arg) => render(arg, variables));
      if (file === undefined) throw new Error(`${spec.name}: empty command`);
      const child = spawn(file, args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let output = '';
      let failed = false;
      child.once('error', (err) => {
        failed = true;
        output += err.message;
      });
      child.stderr.setEncoding('utf8').on('data', (text: string) => (output = `${output}${text}`.slice(-4000)));
      try {
        await waitForTcp(port, 15_000, () => !failed && child.exitCode === null);
      } catch (err) {
        await stopChild(child, 0);
        throw new Error(`${spec.name} did not start: ${err instanceof Error ? err.message : String(err)}\n${output}`);
      }
      return {
        pid: child.pid ?? 0,
        port,
        httpPort: undefined,
        stop: async () => {
          await stopChild(child, 10_000);
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}
