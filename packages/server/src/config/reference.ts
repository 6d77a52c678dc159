import { z } from 'zod';
import { configSchema } from './index.js';

/** One documented setting. */
export interface ConfigEntry {
  path: string;
  type: string;
  default: string;
  description: string;
}

interface JsonSchema {
  type?: string | string[];
  description?: string;
  default?: unknown;
  properties?: Record<string, JsonSchema>;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  required?: string[];
}

/** Defaults as the schema really applies them (the JSON Schema loses those behind transforms). */
function appliedDefaults(): unknown {
  // The bare object (without the cross-field checks, which refuse the memory store outside dev).
  return z.object(configSchema.shape).parse({ issuer: 'https://issuer.example', keys: { masterKey: 'unused' } });
}

function valueAt(root: unknown, path: string): unknown {
  let value = root;
  for (const key of path.split('.')) value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return value;
}

function typeOf(schema: JsonSchema): string {
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  const variants = schema.oneOf ?? schema.anyOf;
  if (variants) return variants.map((v) => (v.properties?.kind?.const !== undefined ? `{kind:${JSON.stringify(v.properties.kind.const)}}` : typeOf(v))).join(' \\| ');
  if (Array.isArray(schema.type)) return schema.type.join(' \\| ');
  return schema.type ?? 'any';
}

function walk(schema: JsonSchema, path: string, required: boolean, defaults: unknown, out: ConfigEntry[]): void {
  const variants = schema.oneOf ?? [];
  if (schema.type === 'object' && schema.properties && variants.length === 0) {
    for (const [name, child] of Object.entries(schema.properties)) {
      walk(child, path ? `${path}.${name}` : name, schema.required?.includes(name) === true, defaults, out);
    }
    return;
  }
  const applied = valueAt(defaults, path);
  out.push({
    path,
    type: typeOf(schema),
    default: required ? '(required)' : applied === undefined ? '(none)' : JSON.stringify(applied),
    description: schema.description ?? '',
  });
  // Variant fields (e.g. store.filename for sqlite) are documented under the union's path.
  for (const variant of variants) {
    for (const [name, child] of Object.entries(variant.properties ?? {})) {
      const kind = String(variant.properties?.kind?.const);
      if (name !== 'kind') walk(child, `${path}.${name} (${kind})`, variant.required?.includes(name) === true, undefined, out);
    }
  }
}

/** Every setting with its type, default and description, generated from the schema (STYLE A6). */
export function configReference(): ConfigEntry[] {
  const json = z.toJSONSchema(configSchema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  const entries: ConfigEntry[] = [];
  walk(json, '', true, appliedDefaults(), entries);
  return entries;
}

/** The reference as a Markdown table (the server README embeds it). */
export function configReferenceMarkdown(): string {
  const rows = configReference().map((e) => `| \`${e.path}\` | ${e.type} | \`${e.default}\` | ${e.description} |`);
  return ['| Setting | Type | Default | Description |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
