/**
 * Settings a config file names that the server's schema does not know. zod objects drop unknown keys
 * silently, so a typo (`keys.acessTokenAlg`) would leave the default in force without a word; this walks
 * the schema beside the input and lists every such key by its path.
 */

/** The part of a zod 4 schema this walk reads (`schema._zod.def`, zod's interface for libraries that inspect schemas). */
interface SchemaNode {
  _zod: { def: SchemaDef };
}

interface SchemaDef {
  type: string;
  shape?: Readonly<Record<string, SchemaNode>>;
  catchall?: SchemaNode;
  innerType?: SchemaNode;
  in?: SchemaNode;
  valueType?: SchemaNode;
  element?: SchemaNode;
  options?: readonly SchemaNode[];
  discriminator?: string;
  values?: readonly unknown[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** `devices.uem.sources.acme.secret`, `tokens.idTokenAlgs[0]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out === '' ? String(key) : `${out}.${String(key)}`), '');
}

/**
 * Paths of the keys in `input` that `schema` has no place for. Values of the wrong type are not
 * descended into: the schema reports those itself.
 */
export function unknownSettings(schema: SchemaNode, input: unknown, path: PropertyKey[] = []): string[] {
  const def = schema._zod.def;
  switch (def.type) {
    case 'default':
    case 'prefault':
    case 'optional':
    case 'nullable':
    case 'nonoptional':
    case 'readonly':
    case 'catch':
      return unknownSettings(def.innerType!, input, path);
    case 'pipe': // a transform (durations): the input side says what may be written
      return unknownSettings(def.in!, input, path);
    case 'object': {
      if (!isObject(input)) return [];
      // Only a `z.looseObject` (catchall unknown/any) takes keys it does not name.
      const open = def.catchall !== undefined && def.catchall._zod.def.type !== 'never';
      return Object.entries(input).flatMap(([key, value]) => {
        // Own keys only: "__proto__" or "toString" in a file must not find Object.prototype's members.
        if (Object.hasOwn(def.shape!, key)) return unknownSettings(def.shape![key]!, value, [...path, key]);
        return open ? [] : [formatPath([...path, key])];
      });
    }
    case 'record':
      return isObject(input) ? Object.entries(input).flatMap(([key, value]) => unknownSettings(def.valueType!, value, [...path, key])) : [];
    case 'array':
      return Array.isArray(input) ? input.flatMap((value, i) => unknownSettings(def.element!, value, [...path, i])) : [];
    case 'union': {
      const options = def.options!;
      if (def.discriminator !== undefined) {
        // A tagged union (store): judge the input by the variant its tag picks; an unknown tag is the schema's to report.
        const tag = isObject(input) ? input[def.discriminator] : undefined;
        const picked = options.find((o) => o._zod.def.shape?.[def.discriminator!]?._zod.def.values?.includes(tag));
        return picked === undefined ? [] : unknownSettings(picked, input, path);
      }
      // Otherwise the variant the input fits best.
      const found = options.map((o) => unknownSettings(o, input, path));
      return found.reduce((best, next) => (next.length < best.length ? next : best), found[0] ?? []);
    }
    default:
      return [];
  }
}
