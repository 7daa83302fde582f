import type { TSchema } from '@sinclair/typebox';
import { ConfigSchema } from './schema.ts';

/*
 * The config reference in the README and config/asimd.example.yaml are both
 * rendered from the schema (npm run docs), and a test fails when either is stale.
 */

export interface ConfigOption {
  path: string;
  type: string;
  default: unknown;
  optional: boolean;
  description: string;
  constraints: string;
}

interface SchemaNode {
  type?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  anyOf?: SchemaNode[];
  const?: unknown;
  default?: unknown;
  description?: string;
  minimum?: number;
  maximum?: number;
}

function typeOf(node: SchemaNode): string {
  if (node.anyOf) return node.anyOf.map((branch) => JSON.stringify(branch.const)).join(' \\| ');
  return node.type ?? 'unknown';
}

function constraintsOf(node: SchemaNode): string {
  const parts: string[] = [];
  if (node.minimum !== undefined) parts.push(`≥ ${node.minimum}`);
  if (node.maximum !== undefined) parts.push(`≤ ${node.maximum}`);
  return parts.join(', ');
}

export function configOptions(schema: TSchema = ConfigSchema): ConfigOption[] {
  const options: ConfigOption[] = [];
  const walk = (node: SchemaNode, path: string, optional: boolean): void => {
    if (node.type === 'object' && node.properties) {
      for (const [key, child] of Object.entries(node.properties)) {
        walk(child, path ? `${path}.${key}` : key, !(node.required ?? []).includes(key) && child.default === undefined);
      }
      return;
    }
    options.push({
      path,
      type: typeOf(node),
      default: node.default,
      optional,
      description: node.description ?? '',
      constraints: constraintsOf(node),
    });
  };
  walk(schema, '', false);
  return options;
}

export function sectionsOf(schema: TSchema = ConfigSchema): Map<string, string> {
  const sections = new Map<string, string>();
  const walk = (node: SchemaNode, path: string): void => {
    if (node.type !== 'object' || !node.properties) return;
    if (path) sections.set(path, node.description ?? '');
    for (const [key, child] of Object.entries(node.properties)) walk(child, path ? `${path}.${key}` : key);
  };
  walk(schema, '');
  return sections;
}

export function renderConfigReference(): string {
  const lines = ['| Option | Type | Default | Description |', '|---|---|---|---|'];
  for (const option of configOptions()) {
    const fallback = option.default === undefined ? '—' : `\`${JSON.stringify(option.default)}\``;
    const limits = option.constraints ? ` (${option.constraints})` : '';
    lines.push(`| \`${option.path}\` | ${option.type}${limits} | ${fallback} | ${option.description.replace(/\|/g, '\\|')} |`);
  }
  return lines.join('\n');
}

function wrap(text: string, indent: string, width = 100): string[] {
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (current && indent.length + 2 + current.length + word.length + 1 > width) {
      lines.push(`${indent}# ${current}`);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  if (current) lines.push(`${indent}# ${current}`);
  return lines;
}

/** config/asimd.example.yaml: every option with its default and description. */
export function renderExampleYaml(schema: TSchema = ConfigSchema): string {
  const out = [
    '# asimd — every configuration option, with its default value.',
    '# Generated from the schema by `npm run docs`; edit src/config/schema.ts, not this file.',
    '# Any string value may use ${env:NAME} to read a secret from the environment.',
    '',
  ];
  const walk = (node: SchemaNode, indent: string, commentedOut: boolean): void => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const prefix = commentedOut ? `${indent}# ` : indent;
      if (child.type === 'object' && child.properties) {
        out.push(...wrap(child.description ?? '', indent));
        // A section whose options all lack defaults would be an empty (null) key.
        const empty = Object.values(child.properties).every((grandchild) => grandchild.default === undefined && grandchild.type !== 'object');
        out.push(`${prefix}${key}:${empty ? ' {}' : ''}`);
        walk(child, `${indent}  `, commentedOut);
        continue;
      }
      out.push(...wrap(child.description ?? '', indent));
      if (child.default === undefined) out.push(`${indent}# ${key}: (not set)`);
      else out.push(`${prefix}${key}: ${JSON.stringify(child.default)}`);
    }
  };
  walk(schema, '', false);
  return `${out.join('\n')}\n`;
}
