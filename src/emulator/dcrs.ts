import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ColumnType } from '../../parsers/tables/syslog.ts';
import type { DcrTemplate, StreamDeclaration } from '../dcr/template.ts';
import { AsimdError, ConfigError } from '../errors/index.ts';
import type { EmulatorConfig } from './config.ts';
import { RateLimiter } from './limits.ts';
import { SAFE_STREAM_NAME } from './store.ts';

/** A DCR as the emulator serves it: its streams' declarations and its rate limiter. */
export interface ServedDcr {
  immutableId: string;
  /** Where the declarations came from (a file path, or "(in memory)"). */
  source: string;
  streams: ReadonlyMap<string, StreamDeclaration>;
  limiter: RateLimiter;
}

const COLUMN_TYPES: ReadonlySet<string> = new Set<ColumnType>(['string', 'int', 'long', 'real', 'boolean', 'datetime', 'dynamic']);

/** The asimd package root (for the default template when the working directory is elsewhere). */
function packageRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        const parsed: unknown = JSON.parse(readFileSync(manifest, 'utf8'));
        if (typeof parsed === 'object' && parsed !== null && 'name' in parsed && parsed.name === 'asimd') return dir;
      } catch {
        // not ours; keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

export function resolveTemplatePath(path: string, baseDirectory: string): string {
  if (isAbsolute(path)) return path;
  const local = resolve(baseDirectory, path);
  if (existsSync(local)) return local;
  const root = packageRoot();
  const bundled = root === undefined ? undefined : resolve(root, path);
  return bundled !== undefined && existsSync(bundled) ? bundled : local;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The stream declarations of a parsed ARM template, checked; problems name their path under `where`. */
export function declarationsOf(template: unknown, where: string): Map<string, StreamDeclaration> {
  const problems: string[] = [];
  const streams = new Map<string, StreamDeclaration>();
  const resources = isRecord(template) && Array.isArray(template['resources']) ? (template['resources'] as unknown[]) : [];
  const rule = resources.find((resource) => isRecord(resource) && resource['type'] === 'Microsoft.Insights/dataCollectionRules');
  const properties = isRecord(rule) && isRecord(rule['properties']) ? rule['properties'] : undefined;
  const declarations = properties !== undefined && isRecord(properties['streamDeclarations']) ? properties['streamDeclarations'] : undefined;
  if (declarations === undefined) {
    throw new ConfigError('ASIMD_CONFIG_INVALID', [`${where}: no Microsoft.Insights/dataCollectionRules resource with streamDeclarations`]);
  }
  for (const [name, declaration] of Object.entries(declarations)) {
    if (!SAFE_STREAM_NAME.test(name)) {
      problems.push(`${where}: stream name ${JSON.stringify(name)} may only contain letters, digits, _, - and .`);
      continue;
    }
    const columns = isRecord(declaration) && Array.isArray(declaration['columns']) ? (declaration['columns'] as unknown[]) : undefined;
    if (columns === undefined) {
      problems.push(`${where}: stream ${name} has no columns array`);
      continue;
    }
    const checked: StreamDeclaration['columns'] = [];
    columns.forEach((column, index) => {
      const columnName = isRecord(column) ? column['name'] : undefined;
      const type = isRecord(column) ? column['type'] : undefined;
      if (typeof columnName !== 'string' || typeof type !== 'string' || !COLUMN_TYPES.has(type)) {
        problems.push(`${where}: stream ${name} column ${index} needs a name and a type among ${[...COLUMN_TYPES].join(', ')}`);
        return;
      }
      checked.push({ name: columnName, type: type as ColumnType });
    });
    streams.set(name, { columns: checked });
  }
  if (streams.size === 0 && problems.length === 0) problems.push(`${where}: declares no streams`);
  if (problems.length > 0) throw new ConfigError('ASIMD_CONFIG_INVALID', problems);
  return streams;
}

/** Loads every configured DCR's template (or the in-memory one given for its id); in-memory templates for other ids add DCRs. */
export function loadDcrs(config: EmulatorConfig, baseDirectory: string, templates: Readonly<Record<string, DcrTemplate>> = {}): Map<string, ServedDcr> {
  const served = new Map<string, ServedDcr>();
  config.dcrs.forEach((dcr, index) => {
    const inMemory = templates[dcr.immutableId];
    const limiter = new RateLimiter(dcr);
    if (inMemory !== undefined) {
      served.set(dcr.immutableId, { immutableId: dcr.immutableId, source: '(in memory)', streams: declarationsOf(inMemory, `templates.${dcr.immutableId}`), limiter });
      return;
    }
    const path = resolveTemplatePath(dcr.template, baseDirectory);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (err: unknown) {
      throw new AsimdError('ASIMD_CONFIG_READ', `emulator.dcrs[${index}].template: cannot read ${path}`, { cause: err });
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err: unknown) {
      throw new ConfigError('ASIMD_CONFIG_INVALID', [`emulator.dcrs[${index}].template: ${path} is not JSON`], { cause: err });
    }
    served.set(dcr.immutableId, { immutableId: dcr.immutableId, source: path, streams: declarationsOf(parsed, `emulator.dcrs[${index}].template`), limiter });
  });
  for (const [immutableId, template] of Object.entries(templates)) {
    if (served.has(immutableId)) continue;
    if (!/^dcr-[0-9a-f]{32}$/.test(immutableId)) throw new ConfigError('ASIMD_CONFIG_INVALID', [`templates.${immutableId}: not a DCR immutable id`]);
    served.set(immutableId, {
      immutableId,
      source: '(in memory)',
      streams: declarationsOf(template, `templates.${immutableId}`),
      limiter: new RateLimiter({ requestsPerMinute: 12_000, bytesPerMinute: 2_000_000_000 }),
    });
  }
  return served;
}
