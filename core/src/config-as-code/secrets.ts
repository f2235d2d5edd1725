import { ConfigErrors } from './errors.js';
import type { SecretEnv } from './types.js';

/**
 * Secrets in a configuration file (docs/configuration-as-code.md, "Secrets"): export writes
 * `${secret:NAME}` where a value is, apply reads the value from the environment variable
 * `PROPHASIS_SECRET_NAME` of the process that applies, or keeps the value the core has.
 */
const REFERENCE = /^\$\{secret:([A-Za-z0-9_]{1,100})\}$/;
/** Settings keys whose values are secrets (an alert module's `token`, `password` …). */
const SECRET_KEY = /(password|passwd|secret|token|api_?key|private_?key|cookie|authorization)$/i;
/** Request headers that carry credentials (`Authorization`, `X-Api-Key`, `X-Auth-Token`, `Cookie` …). */
const SECRET_HEADER = /(authorization|auth|token|secret|api[-_]?key|cookie|password|signature)/i;

/** `PROPHASIS_SECRET_<NAME>`: where apply looks for the value of `${secret:NAME}`. */
const secretVariable = (name: string) => `PROPHASIS_SECRET_${name}`;

/** `Ops pager`, `headers`, `X-Api-Key` → `OPS_PAGER_HEADERS_X_API_KEY`. */
export function secretName(...parts: string[]): string {
  return parts
    .join('_')
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 100);
}

const isSecretAt = (key: string, parent: string | undefined) => SECRET_KEY.test(key) || (parent?.toLowerCase() === 'headers' && SECRET_HEADER.test(key));

/**
 * A copy of an alert module's settings with every secret-looking string (a non-empty `token`,
 * `password`, a credential header …) replaced by `${secret:<prefix>_<path>}`.
 */
export function maskSecrets(value: unknown, prefix: string[], parent?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => maskSecrets(v, prefix, parent));
  if (!value || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string' && v !== '' && isSecretAt(key, parent)) out[key] = `\${secret:${secretName(...prefix, key)}}`;
    else out[key] = maskSecrets(v, [...prefix, key], key);
  }
  return out;
}

/** The secret reference a value is, or undefined. */
function referenceOf(value: unknown): string | undefined {
  return typeof value === 'string' ? REFERENCE.exec(value)?.[1] : undefined;
}

/**
 * A copy of `value` from a file with every `${secret:NAME}` replaced: by `PROPHASIS_SECRET_NAME`
 * when set, else by what `current` (the core's value of the same object) holds at the same place,
 * noted in `notes`. A reference neither resolves is refused, naming its place in the file.
 */
export function resolveSecrets(value: unknown, current: unknown, path: string, env: SecretEnv, notes: string[]): unknown {
  const name = referenceOf(value);
  if (name !== undefined) {
    const fromEnv = env[secretVariable(name)];
    if (fromEnv !== undefined && fromEnv !== '') return fromEnv;
    if (typeof current === 'string' && current !== '' && referenceOf(current) === undefined) {
      notes.push(`${path}: ${secretVariable(name)} is not set; the value this core has is kept`);
      return current;
    }
    throw ConfigErrors.SECRET_MISSING(`${path}: set ${secretVariable(name)} in the environment of the process that applies the file (the CLI, or the core for the API)`, { path, secret: name });
  }
  if (Array.isArray(value)) return value.map((v, i) => resolveSecrets(v, Array.isArray(current) ? current[i] : undefined, `${path}[${i}]`, env, notes));
  if (!value || typeof value !== 'object') return value;
  const here = current && typeof current === 'object' && !Array.isArray(current) ? (current as Record<string, unknown>) : {};
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveSecrets(v, here[k], `${path}.${k}`, env, notes)]));
}

/** The checks API's "a secret parameter is set" marker (docs/devices.md, "Credentials"). */
const isSetMarker = (v: unknown) => !!v && typeof v === 'object' && !Array.isArray(v) && (v as { set?: unknown }).set === true && Object.keys(v).length === 1;

/**
 * A check plugin's parameters for export: each secret parameter (shown as `{ set: true }`, its
 * value never leaves the core) becomes `${secret:CHECK_<check>_<plugin>_<param>}`.
 */
export function exportCheckSecrets(params: Record<string, unknown>, check: string, plugin: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(params).map(([k, v]) => [k, isSetMarker(v) ? `\${secret:${secretName('check', check, plugin, k)}}` : v]));
}

/**
 * A check plugin's parameters from a file: `${secret:NAME}` takes `PROPHASIS_SECRET_NAME` when
 * set, else keeps the secret the core has (`{ set: true }`, noted).
 */
export function applyCheckSecrets(params: Record<string, unknown>, path: string, env: SecretEnv, notes: string[]): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(params).map(([k, v]) => {
      const name = referenceOf(v);
      if (name === undefined) return [k, v];
      const fromEnv = env[secretVariable(name)];
      if (fromEnv !== undefined && fromEnv !== '') return [k, fromEnv];
      notes.push(`${path}.${k}: ${secretVariable(name)} is not set; the value this core has is kept`);
      return [k, { set: true }];
    }),
  );
}
