import { Kind, type Static, type TObject, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { readFileSync } from 'node:fs';
import { ProtocolErrors } from './errors.js';

/**
 * The config loader every package uses (after aedes' commented `defaultOptions`). A package
 * declares a TypeBox schema, a defaults object with the unit of every number in a comment,
 * and which environment variable sets which key. `loadConfig` merges, in rising precedence,
 * defaults ← JSON file ← environment ← explicit overrides, then validates strictly: an
 * unknown key or a value of the wrong type stops the process with a message naming the key
 * and where it came from.
 */
export interface ConfigSource<S extends TObject> {
  schema: S;
  defaults: Static<S>;
  /** key → environment variable name */
  env?: Partial<Record<keyof Static<S> & string, string>>;
  /** Environment to read (default `process.env`). */
  environment?: NodeJS.ProcessEnv;
  /** Optional JSON file; missing keys keep their defaults. */
  file?: string;
  overrides?: Partial<Static<S>>;
}

function coerce(schema: TSchema, raw: string, name: string): unknown {
  const kind = schema[Kind] as string;
  const fail = () => ProtocolErrors.INVALID_CONFIG(`${name}=${JSON.stringify(raw)} is not a valid ${kind.toLowerCase()}`);
  switch (kind) {
    case 'Integer':
    case 'Number': {
      const n = Number(raw);
      if (raw.trim() === '' || !Number.isFinite(n)) throw fail();
      return n;
    }
    case 'Boolean':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw fail();
    case 'Array':
      return raw.split(',').map((s) => s.trim()).filter(Boolean);
    default:
      return raw;
  }
}

function checkKeys(schema: TObject, value: Record<string, unknown>, origin: string): void {
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(schema.properties, key)) {
      throw ProtocolErrors.INVALID_CONFIG(`unknown key ${JSON.stringify(key)} in ${origin}; known keys: ${Object.keys(schema.properties).join(', ')}`);
    }
  }
}

/** Loads, merges and validates one package's configuration. */
export function loadConfig<S extends TObject>(source: ConfigSource<S>): Static<S> {
  const { schema } = source;
  const merged: Record<string, unknown> = { ...(source.defaults as Record<string, unknown>) };
  /** Where each key's value came from, named in a refusal: the file, the environment variable or the caller. */
  const origin = new Map<string, string>();
  if (source.file) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(source.file, 'utf8'));
    } catch (err) {
      throw ProtocolErrors.INVALID_CONFIG(`cannot read ${source.file}: ${(err as Error).message}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw ProtocolErrors.INVALID_CONFIG(`${source.file} must hold a JSON object`);
    }
    checkKeys(schema, parsed as Record<string, unknown>, source.file);
    Object.assign(merged, parsed);
    for (const key of Object.keys(parsed)) origin.set(key, source.file);
  }
  const environment = source.environment ?? process.env;
  for (const [key, variable] of Object.entries(source.env ?? {}) as [string, string][]) {
    const raw = environment[variable];
    if (raw === undefined || raw === '') continue;
    const property = schema.properties[key];
    if (!property) throw ProtocolErrors.INVALID_CONFIG(`environment mapping names unknown key ${key}`);
    merged[key] = coerce(property, raw, variable);
    origin.set(key, variable);
  }
  if (source.overrides) {
    checkKeys(schema, source.overrides as Record<string, unknown>, 'overrides');
    for (const [k, v] of Object.entries(source.overrides)) {
      if (v === undefined) continue;
      merged[k] = v;
      origin.set(k, 'overrides');
    }
  }
  const check = TypeCompiler.Compile(schema);
  if (!check.Check(merged)) {
    const reasons = [...check.Errors(merged)].slice(0, 5).map((e) => {
      const key = e.path.slice(1).split('/')[0] ?? '';
      const from = origin.get(key);
      return `${e.path.slice(1) || '(root)'}${from ? ` (from ${from})` : ''}: ${e.message}`;
    });
    throw ProtocolErrors.INVALID_CONFIG(reasons.join('; '));
  }
  return merged as Static<S>;
}
