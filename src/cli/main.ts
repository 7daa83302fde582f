#!/usr/bin/env -S MALLOC_ARENA_MAX=1 node --max-semi-space-size=4 --heap-growing-percent=50 --expose-gc
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Agent } from '../agent.ts';
import { loadConfigFile } from '../config/load.ts';
import { renderDcrTemplate } from '../dcr/template.ts';
import { runDlqCommand } from './dlq.ts';
import { ConfigError, errorCodeOf } from '../errors/index.ts';
import { createLogger } from '../logger.ts';

/** sysexits.h: the exit codes service managers and scripts already know. */
const EXIT = { ok: 0, usage: 64, software: 70, config: 78 } as const;

const PACKAGE_ROOT = new URL(import.meta.url.endsWith('.ts') ? '../../' : '../../../', import.meta.url);

const HELP = `asimd — receives security logs and ships them to Microsoft Sentinel

Usage:
  asimd run [--config FILE]        run the agent (default config: config/default.yaml)
  asimd validate --config FILE     check a config file; exit 0 when valid, 78 with one line per problem
  asimd dcr [--config FILE]        print the DCR (ARM template) declaring the streams of the config
  asimd emulator [--config FILE]   run the Logs Ingestion API + Entra ID emulator alone (emulator: section)
  asimd dlq list [--stream S] [--since T] [--json] [--config FILE]
                                   list dead-lettered rows and records: ID, time, stream, reason, error
  asimd dlq show ID [--config FILE]
                                   print one dead-letter entry in full
  asimd dlq replay [--stream S] [--since T] [--dry-run] [--config FILE]
                                   re-send dead-lettered rows through the sink; sent ones leave the files
  asimd --version                  print the version
  asimd --help                     print this help

Signals: SIGTERM or SIGINT stops accepting, drains the pipeline and the sink, and exits 0.
`;

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('package.json', PACKAGE_ROOT), 'utf8')) as { version: string };
  return manifest.version;
}

/** config/default.yaml in the working directory, else the one shipped with the package. */
function defaultConfigPath(): string {
  const local = resolve('config/default.yaml');
  return existsSync(local) ? local : new URL('config/default.yaml', PACKAGE_ROOT).pathname;
}

function printConfigError(err: ConfigError): void {
  for (const problem of err.problems) process.stderr.write(`${problem}\n`);
}

async function run(configPath: string): Promise<number> {
  const config = loadConfigFile(configPath);
  const rootLogger = createLogger(config.log.level);
  const logger = rootLogger.child({ component: 'cli' });
  logger.info({ config: configPath }, 'configuration loaded');
  const agent = await Agent.start(config, rootLogger);
  return new Promise<number>((resolveExit) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'stopping');
      agent.stop().then(
        ({ drained }) => resolveExit(drained ? EXIT.ok : EXIT.software),
        (err: unknown) => {
          logger.error({ err }, 'error while stopping');
          resolveExit(EXIT.software);
        },
      );
    };
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
    // SIGHUP (log rotation, a config-management run) must not kill the agent;
    // the TLS listener also reloads its certificates on it.
    process.on('SIGHUP', () => logger.info({ signal: 'SIGHUP' }, 'SIGHUP received'));
  });
}

async function main(argv: string[]): Promise<number> {
  // dlq parses its own options (--stream, --since, --json, --dry-run).
  if (argv[0] === 'dlq') return runDlqCommand(argv.slice(1), defaultConfigPath());
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        version: { type: 'boolean', short: 'v' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${HELP}`);
    return EXIT.usage;
  }
  const { values, positionals } = parsed;
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return EXIT.ok;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === 'help') {
    process.stdout.write(HELP);
    return EXIT.ok;
  }
  if (rest.length > 0) {
    process.stderr.write(`unexpected argument: ${rest.join(' ')}\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    switch (command) {
      case 'run':
        return await run(values.config ?? defaultConfigPath());
      case 'validate': {
        if (values.config === undefined) {
          process.stderr.write(`validate needs --config FILE\n\n${HELP}`);
          return EXIT.usage;
        }
        loadConfigFile(values.config);
        process.stdout.write(`${values.config}: valid\n`);
        return EXIT.ok;
      }
      case 'dcr':
        process.stdout.write(renderDcrTemplate(loadConfigFile(values.config ?? defaultConfigPath()).streams));
        return EXIT.ok;
      case 'emulator': {
        const config = loadConfigFile(values.config ?? defaultConfigPath());
        const { runEmulatorCommand } = await import('../emulator/index.ts');
        await runEmulatorCommand(config.emulator, createLogger(config.log.level).child({ component: 'emulator' }));
        return EXIT.ok;
      }
      default:
        process.stderr.write(`${command === undefined ? 'no command given' : `unknown command: ${command}`}\n\n${HELP}`);
        return EXIT.usage;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      printConfigError(err);
      return EXIT.config;
    }
    process.stderr.write(`${errorCodeOf(err) ?? 'error'}: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.software;
  }
}

process.on('uncaughtException', (err) => {
  process.stderr.write(`${JSON.stringify({ level: 60, component: 'agent', msg: 'uncaught exception', err: String(err.stack ?? err) })}\n`);
  process.exit(EXIT.software);
});

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exit(EXIT.software);
  },
);
