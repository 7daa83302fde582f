import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import { parseDocument } from 'yaml';
import { emulatorConfigProblems } from '../emulator/config.ts';
import { validTimeZone } from '../../parsers/syslog/index.ts';
import { networkProblems } from '../sources/allowed-networks.ts';
import { httpExposureProblems } from '../sources/http/config.ts';
import { ConfigError } from '../errors/index.ts';
import { ConfigSchema, type Config } from './schema.ts';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, strictTypes: false });
const validateConfig = ajv.compile<Config>(ConfigSchema);

const ENV_REFERENCE = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Secrets never sit in the file: any string may carry `${env:NAME}` references,
 * replaced here by the variable's value. A missing variable is a config error
 * naming the path, found before anything starts.
 */
function resolveEnvReferences(value: unknown, path: string, env: NodeJS.ProcessEnv, problems: string[]): unknown {
  if (typeof value === 'string') {
    return value.replace(ENV_REFERENCE, (_match, name: string) => {
      const resolved = env[name];
      if (resolved === undefined) {
        problems.push(`${path || '(root)'}: environment variable ${name} is not set`);
        return '';
      }
      return resolved;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => resolveEnvReferences(item, `${path}[${index}]`, env, problems));
  if (typeof value === 'object' && value !== null) {
    const resolved: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      resolved[key] = resolveEnvReferences(item, path ? `${path}.${key}` : key, env, problems);
    }
    return resolved;
  }
  return value;
}

function dottedPath(error: ErrorObject): string {
  const parts = error.instancePath.split('/').slice(1).map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (error.keyword === 'additionalProperties') parts.push(String(error.params['additionalProperty']));
  if (!parts.length) return '(root)';
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

const describe: Record<string, (error: ErrorObject) => string> = {
  maximum: (e) => `must be ≤ ${String(e.params['limit'])}`,
  minimum: (e) => `must be ≥ ${String(e.params['limit'])}`,
  exclusiveMaximum: (e) => `must be < ${String(e.params['limit'])}`,
  exclusiveMinimum: (e) => `must be > ${String(e.params['limit'])}`,
  additionalProperties: () => 'unknown key',
  type: (e) => `must be ${String(e.params['type'])}`,
  minLength: (e) => `must have at least ${String(e.params['limit'])} character(s)`,
  const: (e) => `must be ${JSON.stringify(e.params['allowedValue'])}`,
};

function formatErrors(errors: readonly ErrorObject[]): string[] {
  const lines = new Map<string, string>();
  // A union reports one error per branch plus the union itself; collapse them
  // into one line listing the allowed values.
  const unions = new Map<string, unknown[]>();
  for (const error of errors) {
    const path = dottedPath(error);
    if (error.keyword === 'const' && error.schemaPath.includes('anyOf')) {
      const allowed = unions.get(path) ?? [];
      allowed.push(error.params['allowedValue']);
      unions.set(path, allowed);
      continue;
    }
    if (error.keyword === 'anyOf') continue;
    const text = describe[error.keyword]?.(error) ?? error.message ?? 'is invalid';
    lines.set(`${path}: ${text}`, `${path}: ${text}`);
  }
  for (const [path, allowed] of unions) {
    const line = `${path}: must be one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}`;
    lines.set(line, line);
  }
  return [...lines.values()];
}

/** Validates a parsed document, fills defaults from the schema, and returns the typed config. */
export function buildConfig(document: unknown, env: NodeJS.ProcessEnv = process.env): Config {
  const problems: string[] = [];
  const resolved = resolveEnvReferences(document ?? {}, '', env, problems);
  if (problems.length) throw new ConfigError('ASIMD_CONFIG_ENV_MISSING', problems);
  if (!validateConfig(resolved)) throw new ConfigError('ASIMD_CONFIG_INVALID', formatErrors(validateConfig.errors ?? []));
  const crossChecks = crossFieldProblems(resolved);
  if (crossChecks.length) throw new ConfigError('ASIMD_CONFIG_INVALID', crossChecks);
  return resolved;
}

/** Rules a JSON schema cannot say; one line per problem, each naming its path. */
function crossFieldProblems(config: Config): string[] {
  const problems = emulatorConfigProblems(config.emulator);
  problems.push(...syslogProblems(config.sources.syslog));
  if (config.server.enabled) problems.push(...httpExposureProblems(config.sources.http, config.server.address));
  if ((config.server.certFile === undefined) !== (config.server.keyFile === undefined)) problems.push('server: certFile and keyFile go together');
  if (config.sink.type === 'azure-logs-ingestion' && !config.emulator.enabled) {
    config.sink.azure.targets.forEach((target, index) => {
      if (target.endpoint === undefined) problems.push(`sink.azure.targets[${index}].endpoint: required unless emulator.enabled is true`);
    });
  }
  return problems;
}

export function parseConfigText(text: string, file: string, env: NodeJS.ProcessEnv = process.env): Config {
  const document = parseDocument(text, { prettyErrors: true, uniqueKeys: true });
  if (document.errors.length) {
    throw new ConfigError(
      'ASIMD_CONFIG_YAML',
      document.errors.map((error) => `${file}: ${error.message.split('\n')[0] ?? error.code}`),
    );
  }
  return buildConfig(document.toJS(), env);
}

export function loadConfigFile(file: string, env: NodeJS.ProcessEnv = process.env): Config {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError('ASIMD_CONFIG_READ', [`${file}: ${err instanceof Error ? err.message : String(err)}`], { cause: err });
  }
  return parseConfigText(text, file, env);
}

function syslogProblems(syslog: Config['sources']['syslog']): string[] {
  const problems = networkProblems(syslog.allowedNetworks, 'sources.syslog.allowedNetworks');
  if (!validTimeZone(syslog.timeZone)) problems.push(`sources.syslog.timeZone: unknown time zone ${JSON.stringify(syslog.timeZone)}`);
  for (const listener of ['udp', 'tcp', 'tls'] as const) {
    const own = syslog[listener];
    if (own.allowedNetworks) problems.push(...networkProblems(own.allowedNetworks, `sources.syslog.${listener}.allowedNetworks`));
    if (own.timeZone !== undefined && !validTimeZone(own.timeZone)) {
      problems.push(`sources.syslog.${listener}.timeZone: unknown time zone ${JSON.stringify(own.timeZone)}`);
    }
  }
  const { tls } = syslog;
  if (tls.enabled) {
    if (tls.certFile === undefined) problems.push('sources.syslog.tls.certFile: required when TLS is enabled');
    if (tls.keyFile === undefined) problems.push('sources.syslog.tls.keyFile: required when TLS is enabled');
  }
  if (tls.requireClientCertificate && tls.clientCaFile === undefined) {
    problems.push('sources.syslog.tls.clientCaFile: required with requireClientCertificate');
  }
  return problems;
}
